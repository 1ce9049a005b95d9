import Foundation
import Testing
import WhetCore
@testable import WhetProviders
import WhetStore

@Suite struct FactoryAndSecretsTests {
    @Test func theFactoryBuildsACachedProviderFromAModelSpecifier() async throws {
        let server = try FaultInjectingServer()
        defer { server.stop() }
        let store = try LineageStore(path: temporaryPath("factory.sqlite"))
        for _ in 0..<2 {
            let provider = try ProviderFactory.makeProvider(spec: try ModelSpec.parse("\(server.baseURL)#served-model"),
                                                            cache: SQLiteResponseCache(store: store))
            #expect(provider.modelName == "served-model")
            #expect(try await provider.complete(helloRequest).text == "answer 0")
        }
        #expect(server.requestCount == 1)
        #expect(server.requestBodies.first?.contains("\"model\":\"served-model\"") == true)
    }

    @Test func theFactoryTakesTheBudgetFromTheConfiguration() async throws {
        let server = try FaultInjectingServer()
        defer { server.stop() }
        let configuration = try ProvidersConfiguration.parse("""
            budget:
              max_tokens: 10
            models:
              tiny:
                base_url: \(server.baseURL)
                model: tiny
            """)
        let provider = try ProviderFactory.makeProvider(spec: .named("tiny"), configuration: configuration, cache: nil)
        await #expect(throws: ProviderError.self) { try await provider.complete(helloRequest) }
        #expect(server.requestCount == 0)
    }

    @Test func theAPIKeyIsSentButNeverReported() async throws {
        let variable = "WHET_TEST_KEY_\(UInt32.random(in: 0...UInt32.max))"
        let secret = "sk-test-\(UUID().uuidString)"
        setenv(variable, secret, 1)
        defer { unsetenv(variable) }
        let server = try FaultInjectingServer(fallback: .status(401, retryAfter: nil))
        defer { server.stop() }
        let provider = OpenAICompatibleProvider(configuration: RemoteEndpointConfiguration(
            name: "keyed", model: "m", baseURLs: [server.baseURL], apiKeyEnvironmentVariable: variable))
        let error = await #expect(throws: ProviderError.self) { try await provider.complete(helloRequest) }
        #expect(server.requestHeads.first?.contains("Authorization: Bearer \(secret)") == true)
        #expect(error?.localizedDescription.contains(secret) == false)
        #expect(!String(describing: error).contains(secret))
        #expect(!String(describing: provider.configuration).contains(secret))
    }
}
