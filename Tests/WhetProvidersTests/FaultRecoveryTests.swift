import Foundation
import Testing
@testable import WhetProviders

/// Each fault, injected once, ends in a retry that succeeds; calls and tokens are counted once per
/// exchange and once per successful response.
struct FaultRecoveryCase: CustomTestStringConvertible, Sendable {
    let name: String
    let script: [FaultInjectingServer.Fault]
    var testDescription: String { name }
}

@Suite struct FaultRecoveryTests {
    static let cases: [FaultRecoveryCase] = [
        FaultRecoveryCase(name: "429 without Retry-After", script: [.status(429, retryAfter: nil)]),
        FaultRecoveryCase(name: "429 with Retry-After: 0", script: [.status(429, retryAfter: "0")]),
        FaultRecoveryCase(name: "500", script: [.status(500, retryAfter: nil)]),
        FaultRecoveryCase(name: "503 twice", script: [.status(503, retryAfter: nil), .status(503, retryAfter: "0")]),
        FaultRecoveryCase(name: "slow past the timeout", script: [.slow(seconds: 2)]),
        FaultRecoveryCase(name: "body cut short", script: [.truncatedBody]),
        FaultRecoveryCase(name: "truncated JSON", script: [.invalidJSON]),
        FaultRecoveryCase(name: "connection reset", script: [.reset]),
        FaultRecoveryCase(name: "invalid UTF-8", script: [.invalidUTF8]),
        FaultRecoveryCase(name: "empty choices", script: [.emptyChoices]),
    ]

    @Test(arguments: cases)
    func recoversAfterOneFault(_ fault: FaultRecoveryCase) async throws {
        let server = try FaultInjectingServer(script: fault.script)
        defer { server.stop() }
        let provider = testRemote([server.baseURL], timeout: 0.5)
        let response = try await provider.complete(helloRequest)
        #expect(response.text == "answer 0")
        #expect(response.usage == TokenUsage(promptTokens: 7, completionTokens: 3))
        let statistics = await provider.statistics()
        #expect(statistics.attempts == fault.script.count + 1)
        #expect(statistics.attempts == server.requestCount)
        #expect(statistics.successes == 1)
        #expect(statistics.retries == fault.script.count)
        #expect(statistics.usage == TokenUsage(promptTokens: 7, completionTokens: 3))
    }

    @Test func retryAfterIsHonoured() async throws {
        let server = try FaultInjectingServer(script: [.status(429, retryAfter: "1")])
        defer { server.stop() }
        let provider = testRemote([server.baseURL])
        let started = Date()
        _ = try await provider.complete(helloRequest)
        // Backoff alone would wait about 10 ms; the server asked for a second.
        #expect(Date().timeIntervalSince(started) >= 0.95)
        #expect(server.requestCount == 2)
    }

    @Test func a429HalvesTheEndpointConcurrency() async throws {
        let server = try FaultInjectingServer(script: [.status(429, retryAfter: "0")])
        defer { server.stop() }
        let provider = testRemote([server.baseURL], maxConcurrency: 8)
        _ = try await provider.complete(helloRequest)
        // Halved to 4 by the 429, then raised by 1/4 by the success: still 4 slots.
        #expect(await provider.pool.endpoints[0].limiter.limit == 4)
        #expect(await provider.statistics().rateLimited == 1)
    }
}

@Suite struct PersistentFaultTests {
    @Test(arguments: [
        (FaultInjectingServer.Fault.status(500, retryAfter: nil), "HTTP 500"),
        (.invalidUTF8, "not valid UTF-8"),
        (.emptyChoices, "empty choices"),
        (.invalidJSON, "do not parse as JSON"),
        (.reset, "transport error"),
    ])
    func endsInAClearErrorAfterTheLastAttempt(_ fault: FaultInjectingServer.Fault, _ expected: String) async throws {
        let server = try FaultInjectingServer(fallback: fault)
        defer { server.stop() }
        let provider = testRemote([server.baseURL], maxAttempts: 3)
        let error = await #expect(throws: ProviderError.self) { try await provider.complete(helloRequest) }
        guard case .retriesExhausted(_, let attempts, let last) = error else {
            Issue.record("expected retriesExhausted, got \(String(describing: error))")
            return
        }
        #expect(attempts == 3)
        #expect(last.contains(expected))
        #expect(server.requestCount == 3)
        let statistics = await provider.statistics()
        #expect(statistics.attempts == 3)
        #expect(statistics.successes == 0)
        #expect(statistics.usage == TokenUsage())
    }

    @Test func aClientErrorIsNotRetried() async throws {
        let server = try FaultInjectingServer(fallback: .status(400, retryAfter: nil))
        defer { server.stop() }
        let provider = testRemote([server.baseURL])
        await #expect(throws: ProviderError.self) { try await provider.complete(helloRequest) }
        #expect(server.requestCount == 1)
    }

    @Test func aRetryAfterBeyondTheLimitFailsAtOnce() async throws {
        let server = try FaultInjectingServer(fallback: .status(429, retryAfter: "3600"))
        defer { server.stop() }
        let provider = testRemote([server.baseURL])
        let error = await #expect(throws: ProviderError.self) { try await provider.complete(helloRequest) }
        #expect(error?.localizedDescription.contains("Retry-After") == true)
        #expect(server.requestCount == 1)
    }

    @Test func aRefusedConnectionEndsInAClearError() async throws {
        let refusing = try RefusingPort()
        let provider = testRemote([refusing.baseURL], maxAttempts: 2)
        let error = await #expect(throws: ProviderError.self) { try await provider.complete(helloRequest) }
        #expect(error?.localizedDescription.contains("failed 2 times") == true)
        withExtendedLifetime(refusing) {}
    }

    @Test func aMissingAPIKeyIsReportedWithoutACall() async throws {
        let server = try FaultInjectingServer()
        defer { server.stop() }
        let provider = OpenAICompatibleProvider(configuration: RemoteEndpointConfiguration(
            name: "keyed", model: "m", baseURLs: [server.baseURL], apiKeyEnvironmentVariable: "WHET_TEST_KEY_THAT_IS_NOT_SET"))
        await #expect(throws: ProviderError.missingAPIKey(model: "keyed", environmentVariable: "WHET_TEST_KEY_THAT_IS_NOT_SET")) {
            try await provider.complete(helloRequest)
        }
        #expect(server.requestCount == 0)
    }
}
