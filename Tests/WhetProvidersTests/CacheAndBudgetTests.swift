import Foundation
import Testing
import WhetCore
@testable import WhetProviders
import WhetStore

@Suite struct CacheAndBudgetTests {
    static let requests: [ProviderRequest] = [
        helloRequest,
        .chat([.user("Classify: great film")], GenerationOptions(n: 2, temperature: 0.7, maxTokens: 8, seed: 1)),
        .completion("Once upon a time", GenerationOptions(maxTokens: 8, stop: ["\n"])),
    ]

    @Test func aSecondIdenticalRunMakesNoNetworkCalls() async throws {
        let server = try FaultInjectingServer()
        defer { server.stop() }
        let path = temporaryPath("whet.sqlite")

        let firstLedger = UsageLedger()
        let first = ManagedProvider(base: testRemote([server.baseURL]), cache: SQLiteResponseCache(store: try LineageStore(path: path)),
                                    ledger: firstLedger)
        var firstAnswers: [[ProviderChoice]] = []
        for request in Self.requests { firstAnswers.append(try await first.complete(request).choices) }
        #expect(server.requestCount == 3)
        #expect(await firstLedger.usage(of: "test-model").calls == 3)

        // A new process would open the same file: so does this run.
        let secondLedger = UsageLedger()
        let second = ManagedProvider(base: testRemote([server.baseURL]), cache: SQLiteResponseCache(store: try LineageStore(path: path)),
                                     ledger: secondLedger)
        for (request, expected) in zip(Self.requests, firstAnswers) {
            let response = try await second.complete(request)
            #expect(response.fromCache)
            #expect(response.choices == expected)
        }
        #expect(server.requestCount == 3)
        let usage = await secondLedger.usage(of: "test-model")
        #expect(usage.calls == 0)
        #expect(usage.cacheHits == 3)
        #expect(usage.usage == TokenUsage())

        // Each stored call keeps the request it answered and how long it took.
        let calls = try LineageStore(path: path).cachedCall(key: try ResponseCacheKey.sample(
            model: "test-model", request: Self.requests[0], sampleIndex: 0).hash)
        #expect(calls?.requestJSON.contains("Say hello.") == true)
        #expect((calls?.latencyMs ?? 0) > 0)
    }

    @Test func cachedUsageSplitsSamplesAndKeepsTheirTokens() async throws {
        let server = try FaultInjectingServer()
        defer { server.stop() }
        let provider = ManagedProvider(base: testRemote([server.baseURL]), cache: try temporaryCache())
        let live = try await provider.complete(Self.requests[1])
        let cached = try await provider.complete(Self.requests[1])
        #expect(live.choices.count == 2)
        #expect(cached.usage == live.usage)
        #expect(cached.choices == live.choices)
    }

    @Test func theBypassFlagCallsTheModelAndRefreshesTheCache() async throws {
        let server = try FaultInjectingServer()
        defer { server.stop() }
        let cache = try temporaryCache()
        let bypassing = ManagedProvider(base: testRemote([server.baseURL]), cache: cache, cachePolicy: .bypass)
        _ = try await bypassing.complete(helloRequest)
        _ = try await bypassing.complete(helloRequest)
        #expect(server.requestCount == 2)
        let reading = ManagedProvider(base: testRemote([server.baseURL]), cache: cache)
        #expect(try await reading.complete(helloRequest).fromCache)
        #expect(server.requestCount == 2)
    }

    /// A provider whose answers come from `base` but whose cache identity differs, as a
    /// second quantisation of the same model or a new engine version would.
    struct SameNameOtherIdentity: ModelProvider {
        let base: ModelProvider
        let cacheIdentity: String
        var modelName: String { base.modelName }
        func complete(_ request: ProviderRequest) async throws -> ProviderResponse { try await base.complete(request) }
    }

    @Test func theCacheKeysOnTheProvidersIdentityNotItsName() async throws {
        let server = try FaultInjectingServer()
        defer { server.stop() }
        let cache = try temporaryCache()
        let q4 = SameNameOtherIdentity(base: testRemote([server.baseURL]), cacheIdentity: "test-model (q4_1, engine v2)")
        let q8 = SameNameOtherIdentity(base: testRemote([server.baseURL]), cacheIdentity: "test-model (q8_0, engine v2)")
        #expect(q4.modelName == q8.modelName)
        _ = try await ManagedProvider(base: q4, cache: cache).complete(helloRequest)
        #expect(try await ManagedProvider(base: q8, cache: cache).complete(helloRequest).fromCache == false)
        #expect(try await ManagedProvider(base: q4, cache: cache).complete(helloRequest).fromCache)
        #expect(server.requestCount == 2)
    }

    @Test func theCacheKeyDependsOnModelRequestAndSample() throws {
        let base = try ResponseCacheKey.sample(model: "a", request: helloRequest, sampleIndex: 0)
        #expect(try ResponseCacheKey.sample(model: "a", request: helloRequest, sampleIndex: 0) == base)
        #expect(try ResponseCacheKey.sample(model: "b", request: helloRequest, sampleIndex: 0) != base)
        #expect(try ResponseCacheKey.sample(model: "a", request: helloRequest, sampleIndex: 1) != base)
        var warmer = helloRequest
        warmer.options.temperature = 0.5
        #expect(try ResponseCacheKey.sample(model: "a", request: warmer, sampleIndex: 0) != base)
        var more = helloRequest
        more.options.n = 4
        #expect(try ResponseCacheKey.sample(model: "a", request: more, sampleIndex: 0) == base)
        #expect(base.hash == SHA256.hex(Data(base.request.utf8)))
    }

    @Test func aCallThatWouldExceedTheBudgetIsRefusedBeforeItIsMade() async throws {
        let server = try FaultInjectingServer()
        defer { server.stop() }
        let price = PriceTable(promptPerMillion: 1000, completionPerMillion: 1000)
        // Each call really costs 10 tokens = $0.01 but is estimated above $0.02 (16 max tokens + prompt).
        let ledger = UsageLedger(budget: Budget(maxCostUSD: 0.05))
        let provider = ManagedProvider(base: testRemote([server.baseURL]), cache: nil, ledger: ledger, price: price)
        var made = 0
        var refusal: ProviderError?
        for _ in 0..<10 {
            do {
                _ = try await provider.complete(helloRequest)
                made += 1
            } catch let error as ProviderError {
                refusal = error
                break
            }
        }
        let estimate = price.cost(of: ManagedProvider.estimate(helloRequest))
        let expectedCalls = Int(((0.05 - estimate) / 0.01).rounded(.down)) + 1
        #expect(made == expectedCalls)
        #expect(server.requestCount == made)
        #expect(await ledger.spentCostUSD <= 0.05)
        guard case .budgetExceeded = refusal else {
            Issue.record("expected budgetExceeded, got \(String(describing: refusal))")
            return
        }
    }

    @Test func aTokenBudgetCountsReservedCallsInFlight() async throws {
        let ledger = UsageLedger(budget: Budget(maxTokens: 100))
        let first = try await ledger.reserve(estimate: TokenUsage(promptTokens: 30, completionTokens: 30), price: nil)
        await #expect(throws: ProviderError.self) {
            try await ledger.reserve(estimate: TokenUsage(promptTokens: 30, completionTokens: 30), price: nil)
        }
        await ledger.settle(first, model: "m", usage: TokenUsage(promptTokens: 20, completionTokens: 5), latency: 0.1, price: nil)
        _ = try await ledger.reserve(estimate: TokenUsage(promptTokens: 30, completionTokens: 30), price: nil)
        #expect(await ledger.spentTokens == 25)
    }

    @Test func aCallBudgetCountsCallsMadeAndInFlight() async throws {
        let ledger = UsageLedger(budget: Budget(maxCalls: 2))
        let first = try await ledger.reserve(estimate: TokenUsage(promptTokens: 1), price: nil)
        let second = try await ledger.reserve(estimate: TokenUsage(promptTokens: 1), price: nil)
        await #expect(throws: ProviderError.self) { try await ledger.reserve(estimate: TokenUsage(), price: nil) }
        await ledger.settle(first, model: "m", usage: nil, latency: 0, price: nil)   // failed: costs nothing
        let third = try await ledger.reserve(estimate: TokenUsage(promptTokens: 1), price: nil)
        await ledger.settle(second, model: "m", usage: TokenUsage(promptTokens: 1), latency: 0, price: nil)
        await ledger.settle(third, model: "m", usage: TokenUsage(promptTokens: 1), latency: 0, price: nil)
        await #expect(throws: ProviderError.self) { try await ledger.reserve(estimate: TokenUsage(), price: nil) }
        #expect(await ledger.spentCalls == 2)
    }

    @Test func aTimeBudgetRefusesCallsAfterTheDeadline() async throws {
        let fresh = UsageLedger(budget: Budget(maxSeconds: 60))
        _ = try await fresh.reserve(estimate: TokenUsage(), price: nil)
        let late = UsageLedger(budget: Budget(maxSeconds: 60), started: Date(timeIntervalSinceNow: -61))
        await #expect(throws: ProviderError.self) { try await late.reserve(estimate: TokenUsage(), price: nil) }
    }

    @Test func costFollowsThePriceTable() {
        let price = PriceTable(promptPerMillion: 0.15, completionPerMillion: 0.60)
        let cost = price.cost(of: TokenUsage(promptTokens: 1_000_000, completionTokens: 500_000))
        #expect(abs(cost - 0.45) < 1e-12)
    }
}
