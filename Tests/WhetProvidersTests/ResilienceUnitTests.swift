import Foundation
import Testing
@testable import WhetProviders

@Suite struct RetryPolicyTests {
    @Test(arguments: [
        (["retry-after": "3"], 3.0),
        (["retry-after": " 0 "], 0.0),
        (["retry-after": "1.5"], 1.5),
        (["retry-after-ms": "250"], 0.25),
        (["retry-after-ms": "250", "retry-after": "9"], 0.25),
        (["retry-after": "Sun, 29 Nov 2026 08:00:10 GMT"], 10.0),
        (["retry-after": "Sun, 29 Nov 2026 07:59:00 GMT"], 0.0),
    ])
    func readsRetryAfter(_ headers: [String: String], _ expected: Double) throws {
        let now = try #require(ISO8601DateFormatter().date(from: "2026-11-29T08:00:00Z"))
        let seconds = try #require(RetryPolicy.retryAfterSeconds(headers: headers, now: now))
        #expect(abs(seconds - expected) < 1e-9)
    }

    @Test(arguments: [[:], ["retry-after": "soon"], ["retry-after": ""]])
    func ignoresAbsentOrUnreadableRetryAfter(_ headers: [String: String]) {
        #expect(RetryPolicy.retryAfterSeconds(headers: headers) == nil)
    }

    @Test func backoffDoublesWithJitterAndIsCapped() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: 1, maxDelay: 8)
        var generator = SystemRandomNumberGenerator()
        for attempt in 1...8 {
            let step = min(8, pow(2, Double(attempt - 1)))
            for _ in 0..<50 {
                let delay = policy.delay(afterAttempt: attempt, retryAfter: nil, using: &generator)
                #expect(delay >= step / 2 && delay <= step)
            }
        }
    }

    @Test func retryAfterOverridesBackoffUpToTheLimit() {
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: 1, maxDelay: 8, maxRetryAfter: 60)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 20) == 20)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 600) == 60)
    }
}

@Suite struct AdaptiveConcurrencyTests {
    @Test func overloadHalvesAndSuccessesRaiseTheLimitAgain() async {
        let limiter = AdaptiveConcurrencyLimiter(maximum: 8)
        #expect(await limiter.limit == 8)
        var limits: [Int] = []
        for _ in 0..<4 {
            await limiter.acquire()
            await limiter.release(.overloaded)
            limits.append(await limiter.limit)
        }
        #expect(limits == [4, 2, 1, 1])
        var successes = 0
        while await limiter.limit < 8 {
            await limiter.acquire()
            await limiter.release(.success)
            successes += 1
        }
        // Additive increase: about one slot per window of successes (1 + 2 + ... + 7 = 28).
        #expect((20...36).contains(successes))
        await limiter.acquire()
        await limiter.release(.success)
        #expect(await limiter.limit == 8)
    }

    @Test func callersWaitForAFreeSlot() async {
        let limiter = AdaptiveConcurrencyLimiter(maximum: 1)
        await limiter.acquire()
        let waiter = Task {
            await limiter.acquire()
            await limiter.release(.success)
            return true
        }
        // The waiter cannot have its slot yet: the only one is held.
        #expect(await limiter.active == 1)
        await limiter.release(.success)
        #expect(await waiter.value)
        #expect(await limiter.active == 0)
    }
}

@Suite struct EndpointPoolTests {
    @Test func aFailingEndpointIsTakenOutAndTriedAgainLater() async {
        let pool = EndpointPool(baseURLs: ["http://a/v1", "http://b/v1"], maxConcurrencyPerEndpoint: 4,
                                failuresBeforeCooldown: 2, baseCooldown: 10)
        let start = Date()
        for _ in 0..<2 {
            let index = await pool.pick(avoiding: 1, now: start)
            #expect(index == 0)
            await pool.reportFailure(index, now: start)
        }
        #expect(await pool.isCoolingDown(0, now: start.addingTimeInterval(5)))
        for _ in 0..<5 {
            let index = await pool.pick(now: start.addingTimeInterval(5))
            #expect(index == 1)
            await pool.reportSuccess(index)
        }
        let later = start.addingTimeInterval(11)
        #expect(await !pool.isCoolingDown(0, now: later))
        let picks = await [pool.pick(now: later), pool.pick(now: later)]
        #expect(Set(picks) == [0, 1])
    }

    @Test func theCooldownGrowsWhileTheEndpointKeepsFailing() async {
        let pool = EndpointPool(baseURLs: ["http://a/v1"], maxConcurrencyPerEndpoint: 1,
                                failuresBeforeCooldown: 1, baseCooldown: 10, maxCooldown: 1000)
        let start = Date()
        await pool.reportFailure(await pool.pick(now: start), now: start)
        #expect(await !pool.isCoolingDown(0, now: start.addingTimeInterval(11)))
        await pool.reportFailure(await pool.pick(now: start), now: start)
        #expect(await pool.isCoolingDown(0, now: start.addingTimeInterval(11)))
        #expect(await !pool.isCoolingDown(0, now: start.addingTimeInterval(21)))
    }

    @Test func callsSpreadOverHealthyEndpointsAndAvoidTheBrokenOne() async throws {
        let good = try FaultInjectingServer()
        let bad = try FaultInjectingServer(fallback: .status(500, retryAfter: nil))
        defer { good.stop(); bad.stop() }
        let provider = testRemote([bad.baseURL, good.baseURL], cooldown: 3600)
        for _ in 0..<10 {
            #expect(try await provider.complete(helloRequest).text == "answer 0")
        }
        // Two failures take it out; the cool-down outlasts the test.
        #expect(bad.requestCount == 2)
        #expect(good.requestCount == 10)
        #expect(await provider.statistics().attempts == 12)
    }

    @Test func concurrentCallsAreBalanced() async throws {
        let first = try FaultInjectingServer()
        let second = try FaultInjectingServer()
        defer { first.stop(); second.stop() }
        let provider = testRemote([first.baseURL, second.baseURL])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 { group.addTask { _ = try await provider.complete(helloRequest) } }
            try await group.waitForAll()
        }
        #expect(first.requestCount + second.requestCount == 20)
        #expect(first.requestCount >= 5 && second.requestCount >= 5)
    }
}
