import Foundation

/// What long work reports as it goes. The terminal's progress bar and the server's event stream
/// consume the same events; library code sends them to a `ProgressSink` and never prints.
public enum ProgressEvent: Codable, Hashable, Sendable {
    /// `done` of `total` units of a named stage (examples scored, chunks compressed, pairs judged).
    case stage(name: String, done: Int, total: Int)
    /// A candidate was scored (`score` nil until it has one).
    case candidate(id: Int64, operatorName: String, score: Double?)
    /// A new incumbent.
    case best(id: Int64, score: Double)
    /// What the run has spent so far.
    case spend(calls: Int, cacheHits: Int, tokens: Int, costUSD: Double)
    /// Something the user should read (a warning, a decision).
    case note(String)
    /// The work ended with this status.
    case finished(status: String)
}

public typealias ProgressSink = @Sendable (ProgressEvent) -> Void

/// Counts finished units of one stage from concurrent tasks and reports each step.
public final class StageCounter: @unchecked Sendable {
    public let name: String
    public let total: Int
    public let sink: ProgressSink
    private let lock = NSLock()
    private var done = 0

    public init(name: String, total: Int, sink: @escaping ProgressSink) {
        self.name = name
        self.total = total
        self.sink = sink
        sink(.stage(name: name, done: 0, total: total))
    }

    public func advance(by n: Int = 1) {
        let now = lock.withLock { done += n; return done }
        sink(.stage(name: name, done: now, total: total))
    }
}
