import Foundation
import WhetCore

/// Draws progress events as a one-line bar with rate and ETA on stderr, only when stderr is a
/// terminal, so logs stay clean; notes (warnings, what a run is doing) always go to stderr, one a line.
final class ProgressBar: @unchecked Sendable {
    private let console: Console
    private let enabled: Bool
    private let started = Date()
    private var lastDraw = Date.distantPast
    private var drewSomething = false
    private var best: Double?
    private var spend = ""
    private let lock = NSLock()

    init(console: Console = Console.current, enabled: Bool = true) {
        self.console = console
        self.enabled = enabled && console.errorIsTerminal
    }

    /// The sink to hand to library code.
    var sink: ProgressSink { { [self] event in handle(event) } }

    func handle(_ event: ProgressEvent) {
        lock.lock()
        defer { lock.unlock() }
        if case .note(let text) = event, !enabled {
            console.err(text + "\n")
            return
        }
        guard enabled else { return }
        switch event {
        case .stage(let name, let done, let total):
            let now = Date()
            guard done == total || done == 0 || now.timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = now
            drewSomething = true
            console.err(line(name: name, done: done, total: total, now: now))
            if done == total { console.err("\n"); drewSomething = false }
        case .best(_, let score):
            best = score
        case .spend(let calls, let hits, let tokens, let cost):
            spend = "\(calls) calls, \(hits) cached, \(tokens) tokens" + (cost > 0 ? String(format: ", $%.4f", cost) : "")
        case .note(let text):
            if drewSomething { console.err("\n"); drewSomething = false }
            console.err(text + "\n")
        case .finished:
            if drewSomething { console.err("\n"); drewSomething = false }
        case .candidate:
            break
        }
    }

    func line(name: String, done: Int, total: Int, now: Date) -> String {
        let width = 30
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        let filled = Int(fraction * Double(width))
        let elapsed = now.timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        var text = String(format: "\r%@ %@ %d/%d  %.1f/s  elapsed %@  ETA %@", name, bar, done, total, rate,
                          Self.clock(elapsed), Self.clock(eta))
        if let best { text += String(format: "  best %.3f", best) }
        if !spend.isEmpty { text += "  " + spend }
        return text + " "
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }
}
