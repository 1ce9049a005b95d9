import Foundation

/// A one-line progress bar with rate and ETA on stderr, drawn only on a
/// terminal so logs and `--json` output stay clean.
public final class ProgressBar: @unchecked Sendable {
    private let total: Int
    private let label: String
    private let enabled: Bool
    private let started = Date()
    private var done = 0
    private var lastDraw = Date.distantPast
    private let lock = NSLock()

    public init(total: Int, label: String, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.total = total
        self.label = label
        self.enabled = enabled
    }

    public func advance(by n: Int = 1) {
        lock.lock()
        defer { lock.unlock() }
        done += n
        let now = Date()
        guard enabled, done == total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        FileHandle.standardError.write(Data(line(now: now).utf8))
    }

    public func finish() {
        lock.lock()
        defer { lock.unlock() }
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    func line(now: Date) -> String {
        let width = 30
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        let filled = Int(fraction * Double(width))
        let elapsed = now.timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        return String(format: "\r%@ %@ %d/%d  %.1f/s  elapsed %@  ETA %@ ", label, bar, done, total, rate,
                      Self.clock(elapsed), Self.clock(eta))
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }
}
