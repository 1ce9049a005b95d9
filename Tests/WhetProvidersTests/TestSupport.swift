import Foundation
@testable import WhetProviders
import WhetStore

/// A remote model pointed at loopback test servers, with short timeouts and backoff so that faults
/// resolve in milliseconds.
func testRemote(_ urls: [String], maxAttempts: Int = 4, timeout: Double = 1, maxConcurrency: Int = 8,
                cooldown: Double = 30, price: PriceTable? = nil) -> OpenAICompatibleProvider {
    OpenAICompatibleProvider(configuration: RemoteEndpointConfiguration(
        name: "test", model: "test-model", baseURLs: urls, maxConcurrency: maxConcurrency, connectTimeout: 1,
        timeout: timeout, retry: RetryPolicy(maxAttempts: maxAttempts, baseDelay: 0.01, maxDelay: 0.05, maxRetryAfter: 5),
        price: price, failuresBeforeCooldown: 2, cooldown: cooldown))
}

let helloRequest = ProviderRequest.chat([.system("Be brief."), .user("Say hello.")], GenerationOptions(maxTokens: 16))

func temporaryPath(_ name: String) -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("whet-providers-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent(name).path
}

/// A response cache in a fresh lineage store of its own.
func temporaryCache() throws -> SQLiteResponseCache {
    SQLiteResponseCache(store: try LineageStore(path: temporaryPath("cache.sqlite")))
}
