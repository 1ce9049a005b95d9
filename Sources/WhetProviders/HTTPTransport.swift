import Foundation

/// One HTTP exchange as the providers need it: small JSON bodies, no streaming.
public struct HTTPRequest: Sendable {
    public var url: String
    public var method: String
    /// Header lines; values here may be secret (Authorization) and must never be logged.
    public var headers: [String: String]
    public var body: Data?
    public var connectTimeout: Double
    public var totalTimeout: Double

    public init(url: String, method: String = "GET", headers: [String: String] = [:], body: Data? = nil,
                connectTimeout: Double = 10, totalTimeout: Double = 120) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names lower-cased; a repeated header keeps its last value.
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Why an exchange produced no HTTP response at all.
public enum TransportFailure: Error, Equatable, Sendable {
    case timedOut(seconds: Double)
    /// Refused, reset, closed early, DNS, TLS...: `code` is libcurl's.
    case connection(code: Int, message: String)
    case cancelled
}

public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}
