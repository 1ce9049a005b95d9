import Foundation

/// One URL serving a model, with its own concurrency limit and health.
public final class Endpoint: Sendable {
    /// Base URL up to and including the API version, e.g. `http://127.0.0.1:8080/v1`.
    public let baseURL: String
    public let limiter: AdaptiveConcurrencyLimiter

    init(baseURL: String, maxConcurrency: Int) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        limiter = AdaptiveConcurrencyLimiter(maximum: maxConcurrency)
    }
}

/// Several endpoints serving the same model (a fleet of vLLM servers): calls go to the least loaded
/// healthy one; an endpoint failing repeatedly is taken out for a cool-down that grows while it keeps
/// failing, then tried again.
public actor EndpointPool {
    public nonisolated let endpoints: [Endpoint]
    private var consecutiveFailures: [Int]
    private var coolingUntil: [Date?]
    private var inFlight: [Int]
    private var nextTieBreak = 0
    private let failuresBeforeCooldown: Int
    private let baseCooldown: Double
    private let maxCooldown: Double

    public init(baseURLs: [String], maxConcurrencyPerEndpoint: Int, failuresBeforeCooldown: Int = 2,
                baseCooldown: Double = 5, maxCooldown: Double = 300) {
        endpoints = baseURLs.map { Endpoint(baseURL: $0, maxConcurrency: maxConcurrencyPerEndpoint) }
        consecutiveFailures = Array(repeating: 0, count: baseURLs.count)
        coolingUntil = Array(repeating: nil, count: baseURLs.count)
        inFlight = Array(repeating: 0, count: baseURLs.count)
        self.failuresBeforeCooldown = failuresBeforeCooldown
        self.baseCooldown = baseCooldown
        self.maxCooldown = maxCooldown
    }

    /// The endpoint to use next. `avoiding` is skipped when another healthy endpoint exists, so a retry
    /// goes elsewhere. When every endpoint is cooling down the one that recovers first is used at once:
    /// the caller's retry backoff already spaces the attempts, and failing outright would turn one
    /// flaky single-URL model into a hard error.
    public func pick(avoiding: Int? = nil, now: Date = Date()) -> Int {
        let healthy = endpoints.indices.filter { (coolingUntil[$0] ?? .distantPast) <= now }
        var candidates = healthy.filter { $0 != avoiding }
        if candidates.isEmpty { candidates = healthy }
        if candidates.isEmpty {
            let soonest = endpoints.indices.min { coolingUntil[$0]! < coolingUntil[$1]! }!
            inFlight[soonest] += 1
            return soonest
        }
        // Least in-flight first; among equals, round robin so idle endpoints share the work.
        nextTieBreak &+= 1
        let count = endpoints.count
        let chosen = candidates.min { left, right in
            if inFlight[left] != inFlight[right] { return inFlight[left] < inFlight[right] }
            return (left - nextTieBreak % count + count) % count < (right - nextTieBreak % count + count) % count
        }!
        inFlight[chosen] += 1
        return chosen
    }

    public func reportSuccess(_ index: Int) {
        inFlight[index] -= 1
        consecutiveFailures[index] = 0
        coolingUntil[index] = nil
    }

    /// A failure that says the endpoint itself is unwell (connection refused or reset, timeout, 5xx).
    public func reportFailure(_ index: Int, now: Date = Date()) {
        inFlight[index] -= 1
        consecutiveFailures[index] += 1
        let beyond = consecutiveFailures[index] - failuresBeforeCooldown
        if beyond >= 0 {
            let cooldown = min(maxCooldown, baseCooldown * pow(2, Double(beyond)))
            coolingUntil[index] = now.addingTimeInterval(cooldown)
        }
    }

    /// An outcome that says nothing about the endpoint's health (a 4xx, a 429, a cancelled call).
    public func reportNeutral(_ index: Int) {
        inFlight[index] -= 1
    }

    public func isCoolingDown(_ index: Int, now: Date = Date()) -> Bool {
        (coolingUntil[index] ?? .distantPast) > now
    }
}
