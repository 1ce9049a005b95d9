import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Sends requests through a test client and checks every JSON response against the OpenAPI document
/// (the route's documented statuses and schemas).
struct API {
    let client: any TestClientProtocol
    let document = OpenAPIDocument.shared

    /// `pattern` is the documented path (`/v1/runs/{id}`), `uri` what is sent.
    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, pattern: String? = nil, body: ByteBuffer? = nil,
              headers: HTTPFields = ServiceFixture.headers(json: true),
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestResponse {
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
        let path = pattern ?? String(uri.split(separator: "?").first ?? "")
        if response.headers[.contentType]?.hasPrefix("application/json") == true || response.status.code >= 400 {
            let problems = document.check(method: method.rawValue, path: path, status: Int(response.status.code),
                                          body: Data(response.body.readableBytesView))
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))", sourceLocation: sourceLocation)
        } else {
            #expect(document.responseSchema(method: method.rawValue, path: path, status: Int(response.status.code)) != nil,
                    "\(method) \(path): status \(response.status.code) is not documented", sourceLocation: sourceLocation)
        }
        return response
    }

    func submit(_ body: ByteBuffer, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let response = try await send(.post, "/v1/runs", body: body, sourceLocation: sourceLocation)
        #expect(response.status == .accepted, "\(String(buffer: response.body))", sourceLocation: sourceLocation)
        return try json(response)
    }
}
