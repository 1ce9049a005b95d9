import Foundation
import Hummingbird
import WhetProviders

/// JSON in and out, with every failure turned into OpenAI's `{"error": ...}` body and a fitting status.
enum JSONReply {
    static func encode<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":{"message":"encoding failed","type":"server_error"}}"#.utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ message: String, type: String, param: String? = nil, status: HTTPResponse.Status) -> Response {
        encode(ErrorBody(message: message, type: type, param: param), status: status)
    }

    static func decode<T: Decodable>(_ type: T.Type, from request: Request, maxBytes: Int) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBytes)
        } catch {
            throw ServiceError.badRequest(message: "request body larger than \(maxBytes) bytes", param: nil)
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw ServiceError.badRequest(message: "invalid request body: \(describe(error))", param: nil)
        }
    }

    static func handle<T: Encodable>(_ work: () async throws -> T) async -> Response {
        do {
            return encode(try await work())
        } catch ServiceError.badRequest(let message, let param) {
            return error(message, type: "invalid_request_error", param: param, status: .badRequest)
        } catch {
            return self.error(error.localizedDescription, type: "server_error", status: .internalServerError)
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
            return "not valid JSON (\(context.debugDescription))"
        @unknown default:
            return "\(error)"
        }
    }
}
