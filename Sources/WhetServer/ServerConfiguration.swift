import Foundation

/// How `whet serve` listens.
public struct ServerConfiguration: Sendable {
    public var host: String
    /// 0 asks the system for a free port (tests).
    public var port: Int
    /// The model id reported by `/v1/models` and in responses.
    public var modelID: String
    /// Largest request body accepted, in bytes.
    public var maxBodyBytes: Int

    public init(host: String = "127.0.0.1", port: Int = 8080, modelID: String, maxBodyBytes: Int = 4 << 20) {
        self.host = host
        self.port = port
        self.modelID = modelID
        self.maxBodyBytes = maxBodyBytes
    }
}
