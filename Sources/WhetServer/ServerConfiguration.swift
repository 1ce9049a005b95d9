import Foundation
import WhetCore

/// How `whet serve` listens.
public struct ServerConfiguration: Sendable {
    public var host: String
    /// 0 asks the system for a free port (tests).
    public var port: Int
    /// The model id reported by `/v1/models` and in responses.
    public var modelID: String
    /// Largest request body accepted, in bytes.
    public var maxBodyBytes: Int
    /// The bearer token every route but `/health` requires; nil only on loopback (`--no-auth`).
    public var token: AccessToken?
    /// Seconds between keep-alive comments on an event stream.
    public var heartbeat: TimeInterval
    /// Seconds between store reads when following a run another process runs.
    public var pollInterval: TimeInterval

    public init(host: String = "127.0.0.1", port: Int = 8080, modelID: String, maxBodyBytes: Int = 8 << 20,
                token: AccessToken? = nil, heartbeat: TimeInterval = 15, pollInterval: TimeInterval = 1) {
        self.host = host
        self.port = port
        self.modelID = modelID
        self.maxBodyBytes = maxBodyBytes
        self.token = token
        self.heartbeat = heartbeat
        self.pollInterval = pollInterval
    }

    /// Whether `host` reaches this machine only: `localhost`, `127.x.x.x` or `::1`.
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1" { return true }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// Refuses to listen beyond loopback without a token.
    public func validate() throws {
        if token == nil, !Self.isLoopback(host) {
            throw ServerConfigurationError.tokenRequired(host: host)
        }
    }
}

public enum ServerConfigurationError: UserFacingError, Equatable {
    case tokenRequired(host: String)

    public var errorDescription: String? {
        switch self {
        case .tokenRequired(let host):
            return "--host \(host): refusing to listen beyond loopback without a token; drop --no-auth "
                + "(a token is then given with --token or WHET_TOKEN, or kept beside the database)"
        }
    }
}
