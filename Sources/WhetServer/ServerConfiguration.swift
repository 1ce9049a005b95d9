import Foundation

/// How `whet serve` listens and how it batches.
public struct ServerConfiguration: Sendable {
    public var host: String
    /// 0 asks the system for a free port (tests).
    public var port: Int
    /// The model id reported by `/v1/models` and in responses.
    public var modelID: String
    /// Most sequences decoded together by the engine.
    public var maxBatch: Int
    /// Largest request body accepted, in bytes.
    public var maxBodyBytes: Int

    public init(host: String = "127.0.0.1", port: Int = 8080, modelID: String, maxBatch: Int = 16,
                maxBodyBytes: Int = 4 << 20) {
        self.host = host
        self.port = port
        self.modelID = modelID
        self.maxBatch = maxBatch
        self.maxBodyBytes = maxBodyBytes
    }
}
