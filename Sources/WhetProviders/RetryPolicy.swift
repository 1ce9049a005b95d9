import Foundation

/// When and how long to wait before another attempt at a failed call.
public struct RetryPolicy: Codable, Hashable, Sendable {
    /// Attempts in all, the first one included.
    public var maxAttempts: Int
    /// Backoff before the second attempt; it doubles for each further one.
    public var baseDelay: Double
    public var maxDelay: Double
    /// A server's Retry-After is honoured up to this many seconds; longer waits fail the call instead.
    public var maxRetryAfter: Double

    public init(maxAttempts: Int = 6, baseDelay: Double = 0.5, maxDelay: Double = 30, maxRetryAfter: Double = 120) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// Exponential backoff with "equal jitter": half the step is fixed, half random, so clients that
    /// failed together do not retry together. A server's Retry-After takes precedence when given.
    public func delay<R: RandomNumberGenerator>(afterAttempt attempt: Int, retryAfter: Double?,
                                                using random: inout R) -> Double {
        if let retryAfter { return min(max(retryAfter, 0), maxRetryAfter) }
        let step = min(maxDelay, baseDelay * pow(2, Double(max(attempt - 1, 0))))
        return step / 2 + Double.random(in: 0...(step / 2), using: &random)
    }

    public func delay(afterAttempt attempt: Int, retryAfter: Double?) -> Double {
        var generator = SystemRandomNumberGenerator()
        return delay(afterAttempt: attempt, retryAfter: retryAfter, using: &generator)
    }

    /// Seconds to wait from the response headers: `retry-after-ms` (OpenAI), else `retry-after` as
    /// delta-seconds or an HTTP-date. Nil when absent or unreadable.
    public static func retryAfterSeconds(headers: [String: String], now: Date = Date()) -> Double? {
        if let milliseconds = headers["retry-after-ms"].flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }) {
            return max(milliseconds / 1000, 0)
        }
        guard let value = headers["retry-after"]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value) { return max(seconds, 0) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return max(date.timeIntervalSince(now), 0)
    }
}
