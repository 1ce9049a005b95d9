import Foundation
import Hummingbird
import WhetProviders

/// JSON in and out, with every failure turned into the `{"error": ...}` body and a fitting status.
enum JSONReply {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static func encode<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":{"message":"encoding failed","type":"server_error"}}"#.utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ message: String, type: String, param: String? = nil, status: HTTPResponse.Status) -> Response {
        encode(ErrorBody(message: message, type: type, param: param), status: status)
    }

    /// The body's bytes, refused with a 413 past `maxBytes`.
    static func collect(_ request: Request, maxBytes: Int) async throws -> Data {
        var request = request
        do {
            return Data(try await request.collectBody(upTo: maxBytes).readableBytesView)
        } catch {
            throw ServiceError.payloadTooLarge(limit: maxBytes)
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, from request: Request, maxBytes: Int) async throws -> T {
        try decode(type, from: try await collect(request, maxBytes: maxBytes))
    }

    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw ServiceError.badRequest(message: "invalid request body: \(describe(error))", param: describe(path: error))
        }
    }

    static func handle<T: Encodable>(status: HTTPResponse.Status = .ok, _ work: () async throws -> T) async -> Response {
        do {
            return encode(try await work(), status: status)
        } catch {
            return response(for: error)
        }
    }

    /// The error body for any error: a `ServiceError` as it says, anything else a 500 with its message.
    static func response(for error: Error) -> Response {
        if let error = error as? ServiceError { return error.response }
        if let error = error as? HTTPError {
            return ServiceError.fromHTTP(error).response
        }
        return ServiceError.internalFailure(message: error.localizedDescription).response
    }

    private static func describe(path error: DecodingError) -> String? {
        switch error {
        case .keyNotFound(let key, let context):
            return (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return context.codingPath.map(\.stringValue).joined(separator: ".")
        default:
            return nil
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case .typeMismatch(let type, let context):
            return "field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' should be \(type)"
        case .valueNotFound(let type, let context):
            return "field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' should be \(type)"
        case .dataCorrupted(let context):
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return field.isEmpty ? "not valid JSON (\(context.debugDescription))" : "field '\(field)': \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

extension ServiceError {
    /// Hummingbird's own errors (no route, wrong method) in our error body.
    static func fromHTTP(_ error: HTTPError) -> ServiceError {
        switch error.status.code {
        case 404: return .notFound(message: "no such route")
        case 405: return .notFound(message: "no such route for this method")
        case 413: return .payloadTooLarge(limit: 0)
        case 400..<500: return .badRequest(message: error.body ?? error.status.reasonPhrase, param: nil)
        default: return .internalFailure(message: error.body ?? error.status.reasonPhrase)
        }
    }
}
