import Foundation
import WhetOptimizer

/// Draws a run's events on stderr: a one-line bar with ETA, the best score and the spend
/// on a terminal; phase changes, new bests and notes as plain lines otherwise.
final class OptimizeProgressView: @unchecked Sendable {
    private let enabled: Bool
    private let terminal = isatty(STDERR_FILENO) == 1
    private let lock = NSLock()
    private var lastDraw = Date.distantPast
    private var phase = ""
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled }

    func handle(_ event: OptimizerEvent) {
        guard enabled else { return }
        lock.withLock {
            switch event {
            case .started(let run, let task, let resumed, let planned):
                line("\(resumed ? "resuming" : "optimizing") \(task): run \(run), about \(planned) requests planned")
            case .phase(let name):
                line(name)
            case .progress(let p):
                if p.phase != phase {
                    phase = p.phase
                    if !terminal { line("phase: \(p.phase) (\(p.calls) requests so far)") }
                }
                draw(p)
            case .newBest(let r):
                line(String(format: "new best c%lld %@: %.3f on %d selection examples  %@", r.id, r.operatorName, r.score,
                            r.examples, r.summary))
            case .candidate:
                break
            case .note(let text):
                line(text)
            case .finished:
                break
            }
        }
    }

    func finish() {
        lock.withLock { if drawn && terminal { FileHandle.standardError.write(Data("\n".utf8)); drawn = false } }
    }

    private func line(_ text: String) {
        var out = text + "\n"
        if drawn && terminal { out = "\r\u{1B}[K" + out; drawn = false }
        FileHandle.standardError.write(Data(out.utf8))
    }

    private func draw(_ p: OptimizerProgress) {
        guard terminal else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        let fraction = p.plannedCalls > 0 ? min(1, Double(p.calls) / Double(p.plannedCalls)) : 0
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let eta = fraction > 0.01 ? p.seconds / fraction - p.seconds : 0
        var text = String(format: "\r\u{1B}[K%@ %@ %3.0f%%  %d/%d req  %@ ETA %@", p.phase, bar, fraction * 100, p.calls,
                          p.plannedCalls, Self.clock(p.seconds), Self.clock(eta))
        if let best = p.bestScore { text += String(format: "  best %.3f", best) }
        text += "  \(p.tokens) tok"
        if p.costUSD > 0 { text += String(format: " $%.4f", p.costUSD) }
        FileHandle.standardError.write(Data(text.utf8))
        drawn = true
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }
}
