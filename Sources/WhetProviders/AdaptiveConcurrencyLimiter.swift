import Foundation

/// A per-endpoint concurrency limit that adapts like TCP congestion control (AIMD): halved when the
/// endpoint says it is overloaded (429), raised by about one slot per window of successes, never above
/// the configured maximum nor below one.
public actor AdaptiveConcurrencyLimiter {
    public enum Outcome: Sendable {
        case success
        /// The endpoint refused for load (HTTP 429).
        case overloaded
        /// Any other failure: says nothing about load, leaves the limit alone.
        case failure
    }

    public let maximum: Int
    private var window: Double
    private var inFlight = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(maximum: Int, initial: Int? = nil) {
        self.maximum = max(1, maximum)
        window = Double(min(max(1, initial ?? maximum), self.maximum))
    }

    /// The current limit on concurrent calls.
    public var limit: Int { max(1, Int(window)) }
    public var active: Int { inFlight }

    /// Waits for a slot. Every acquire must be paired with one `release`.
    public func acquire() async {
        if inFlight < limit {
            inFlight += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    public func release(_ outcome: Outcome) {
        switch outcome {
        case .success: window = min(Double(maximum), window + 1 / window)
        case .overloaded: window = max(1, window / 2)
        case .failure: break
        }
        inFlight -= 1
        // A slot handed to a waiter stays counted in inFlight.
        while inFlight < limit, !waiters.isEmpty {
            inFlight += 1
            waiters.removeFirst().resume()
        }
    }
}
