import Foundation
import WhetCore

/// Everything that can go wrong talking to a model, with enough context to act on.
public enum ProviderError: Error, UserFacingError, Equatable, Sendable {
    case invalidRequest(reason: String)
    /// An HTTP status the client will not retry (4xx other than 408/409/429).
    case httpStatus(endpoint: String, status: Int, body: String)
    /// Retries were used up; `last` says what the final attempt saw.
    case retriesExhausted(endpoint: String, attempts: Int, last: String)
    case timedOut(endpoint: String, seconds: Double)
    case transport(endpoint: String, code: Int, message: String)
    case malformedResponse(endpoint: String, reason: String)
    case emptyChoices(endpoint: String)
    case noHealthyEndpoint(model: String, endpoints: [String])
    case budgetExceeded(limit: String, spent: Double, estimate: Double)
    case missingAPIKey(model: String, environmentVariable: String)
    case unsupported(model: String, feature: String)
    case localModel(reason: String)
    case cache(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .invalidRequest(let reason): return "invalid model request: \(reason)"
        case .httpStatus(let endpoint, let status, let body):
            return "\(endpoint) answered HTTP \(status): \(body.prefix(300))"
        case .retriesExhausted(let endpoint, let attempts, let last):
            return "\(endpoint) failed \(attempts) times; last failure: \(last)"
        case .timedOut(let endpoint, let seconds):
            return "\(endpoint) did not answer within \(seconds) s"
        case .transport(let endpoint, let code, let message):
            return "\(endpoint): transport error \(code) (\(message))"
        case .malformedResponse(let endpoint, let reason):
            return "\(endpoint) sent a response that is not an OpenAI-compatible JSON body: \(reason)"
        case .emptyChoices(let endpoint):
            return "\(endpoint) answered with an empty choices list"
        case .noHealthyEndpoint(let model, let endpoints):
            return "no endpoint of model \(model) is healthy (\(endpoints.joined(separator: ", "))); all are cooling down after failures"
        case .budgetExceeded(let limit, let spent, let estimate):
            return "budget \(limit) would be exceeded: spent \(spent), this call is estimated at \(estimate); the call was not made"
        case .missingAPIKey(let model, let variable):
            return "model \(model) needs an API key in the environment variable \(variable), which is not set"
        case .unsupported(let model, let feature):
            return "model \(model) does not support \(feature)"
        case .localModel(let reason): return "local model: \(reason)"
        case .cache(let path, let reason): return "response cache \(path): \(reason)"
        }
    }

    /// Whether another attempt at the same call may succeed.
    public var isRetryable: Bool {
        switch self {
        case .timedOut, .transport, .malformedResponse, .emptyChoices: return true
        default: return false
        }
    }
}
