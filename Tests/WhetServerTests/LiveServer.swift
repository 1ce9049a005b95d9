import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import WhetProviders
import WhetServer

enum LiveServerError: Error { case didNotStart }

/// Runs `whet serve`'s application on a free loopback port for the duration of `body`, then shuts it
/// down gracefully.
func withLiveServer<T: Sendable>(backend: LocalModelBackend, modelID: String = "smol-test", maxBatch: Int = 16,
                                 onStep: (@Sendable (BatcherStep) -> Void)? = nil,
                                 _ body: @Sendable (Int) async throws -> T) async throws -> T {
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    var logger = Logger(label: "whet.serve.test")
    logger.logLevel = .warning
    let app = try buildApplication(
        configuration: ServerConfiguration(host: "127.0.0.1", port: 0, modelID: modelID),
        provider: LocalProvider(batcher: GenerationBatcher(backend: backend, maxBatch: maxBatch, onStep: onStep)),
        logger: logger,
        onServerRunning: { port in
            continuation.yield(port)
            continuation.finish()
        })
    // Shut down gracefully rather than by cancellation, which the server logs as an error.
    let services = ServiceGroup(configuration: .init(services: [app], logger: logger))
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await services.run()
            return nil
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw LiveServerError.didNotStart }
        do {
            let result = try await body(port)
            await services.triggerGracefulShutdown()
            return result
        } catch {
            await services.triggerGracefulShutdown()
            throw error
        }
    }
}

func client(port: Int, model: String = "smol-test", maxConcurrency: Int = 32) -> OpenAICompatibleProvider {
    OpenAICompatibleProvider(configuration: RemoteEndpointConfiguration(
        name: "whet-serve", model: model, baseURLs: ["http://127.0.0.1:\(port)/v1"], maxConcurrency: maxConcurrency,
        connectTimeout: 2, timeout: 120, retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.05)))
}
