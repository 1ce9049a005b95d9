import Foundation
import Hummingbird
import WhetCore

/// A request the server refuses or could not serve, with the HTTP status and the error body it maps to.
/// Every error leaves the server as `{"error": {"message", "type", "param"}}` (OpenAI's shape), never a trace.
public enum ServiceError: Error, UserFacingError, Equatable, Sendable {
    case badRequest(message: String, param: String?)
    case unauthorized(message: String)
    case notFound(message: String)
    case conflict(message: String)
    case payloadTooLarge(limit: Int)
    case notImplemented(message: String)
    case unavailable(message: String)
    case internalFailure(message: String)

    public var errorDescription: String? {
        switch self {
        case .badRequest(let message, _), .unauthorized(let message), .notFound(let message), .conflict(let message),
             .notImplemented(let message), .unavailable(let message), .internalFailure(let message):
            return message
        case .payloadTooLarge(let limit): return limit > 0 ? "request body larger than \(limit) bytes" : "request body too large"
        }
    }

    var status: HTTPResponse.Status {
        switch self {
        case .badRequest: return .badRequest
        case .unauthorized: return .unauthorized
        case .notFound: return .notFound
        case .conflict: return .conflict
        case .payloadTooLarge: return .contentTooLarge
        case .notImplemented: return .notImplemented
        case .unavailable: return .serviceUnavailable
        case .internalFailure: return .internalServerError
        }
    }

    /// The `type` field of the error body.
    var type: String {
        switch self {
        case .badRequest: return "invalid_request_error"
        case .unauthorized: return "authentication_error"
        case .notFound: return "not_found_error"
        case .conflict: return "conflict_error"
        case .payloadTooLarge: return "request_too_large"
        case .notImplemented: return "not_implemented"
        case .unavailable: return "unavailable"
        case .internalFailure: return "server_error"
        }
    }

    var param: String? {
        if case .badRequest(_, let param) = self { return param }
        return nil
    }

    var response: Response {
        var response = JSONReply.error(errorDescription ?? "error", type: type, param: param, status: status)
        if case .unauthorized = self { response.headers[.wwwAuthenticate] = #"Bearer realm="whet""# }
        return response
    }
}
