import Foundation

extension LlamaEngine {
    /// One request in llama.cpp's decoding order (unless EngineOptions.decodeArithmetic
    /// is block sums), so greedy continuations are llama.cpp's. `onToken` returning
    /// false stops it.
    public func generate(_ request: GenerationRequest,
                         onToken: ((Int32) -> Bool)? = nil) throws -> GenerationResult {
        try runSession([request], blockSums: options.decodeArithmetic == .blockSums,
                       onToken: onToken.map { callback in { _, token in callback(token) } })[0]
    }

    /// Generates every request in one DecodeSession: the prompts are computed together,
    /// then each step is one forward pass with one row per live sequence, so the weights
    /// are read once per step. `onToken(requestIndex, token)` returning false stops that
    /// request. Unless EngineOptions.decodeArithmetic is .llamaCpp the steps use block
    /// sums, for any number of requests (see DecodeArithmetic).
    public func generateBatch(_ requests: [GenerationRequest],
                              onToken: ((Int, Int32) -> Bool)? = nil) throws -> [GenerationResult] {
        try runSession(requests, blockSums: options.decodeArithmetic != .llamaCpp, onToken: onToken)
    }

    public enum StreamEvent: Sendable {
        case token(Int32, text: String)
        case finished(GenerationResult)
        case failed(String)
    }

    /// Streams one generation; the work runs on a background thread under the
    /// engine's lock, the stream is only the edge. Cancelling the consumer stops it.
    public func stream(_ request: GenerationRequest) -> AsyncStream<StreamEvent> {
        AsyncStream { continuation in
            let cancelled = CancelFlag()
            continuation.onTermination = { _ in cancelled.set() }
            DispatchQueue.global(qos: .userInitiated).async { [self] in
                var decoder = StreamingDecoder(tokenizer: tokenizer)
                do {
                    let result = try generate(request) { token in
                        continuation.yield(.token(token, text: decoder.append(token)))
                        return !cancelled.isSet
                    }
                    let tail = decoder.finish()
                    if !tail.isEmpty { continuation.yield(.token(-1, text: tail)) }
                    continuation.yield(.finished(result))
                } catch {
                    continuation.yield(.failed(error.localizedDescription))
                }
                continuation.finish()
            }
        }
    }
}

final class CancelFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
