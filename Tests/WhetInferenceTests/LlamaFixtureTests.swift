import Foundation
import Testing
@testable import WhetInference

/// The engine against llama.cpp's own outputs for the same GGUF
/// (Fixtures/smollm2-135m-instruct-q4_1.llama-cpp.json, see /work/shared/fixtures/README.md).
@Suite struct LlamaFixtureTests {
    /// The bound. The engine repeats llama.cpp's arithmetic (see
    /// kernels_attention.c), so the measured gap is ~1e-10; `reproducesLlamaCppArithmetic`
    /// holds it to 1e-4 so that losing exactness is noticed before it shows here.
    static let logprobTolerance = 0.05

    @Test(arguments: 0..<EngineTestSupport.reference.greedy.count)
    func greedyContinuationMatchesLlamaCpp(index: Int) throws {
        let engine = try EngineTestSupport.engine()
        let ref = EngineTestSupport.reference.greedy[index]
        let stops: Set<Int32> = [0, 2]
        let expected = ref.greedy_ids.filter { !stops.contains($0) }
        let result = try engine.generate(GenerationRequest(prompt: ref.prompt_ids, maxTokens: 32, stopTokens: stops))
        let agreed = zip(result.tokens, expected).prefix { $0 == $1 }.count
        #expect(result.tokens == expected, "diverged at token \(agreed) of \(expected.count)")
    }

    /// Batches decode in block sums (DecodeArithmetic): not llama.cpp's last bits, so a
    /// continuation may leave llama.cpp's, but only where llama.cpp's two likeliest
    /// tokens are a near-tie, and to the other of the two.
    @Test(arguments: 0..<EngineTestSupport.reference.greedy.count)
    func blockSumContinuationsLeaveLlamaCppOnlyAtNearTies(index: Int) throws {
        let engine = try EngineTestSupport.engine()
        let ref = EngineTestSupport.reference.greedy[index]
        let stops: Set<Int32> = [0, 2]
        let expected = ref.greedy_ids.filter { !stops.contains($0) }
        let result = try engine.generateBatch([GenerationRequest(prompt: ref.prompt_ids, maxTokens: 32, stopTokens: stops)])[0]
        let agreed = zip(result.tokens, expected).prefix { $0 == $1 }.count
        guard agreed < min(result.tokens.count, expected.count) else {
            #expect(result.tokens == expected)
            return
        }
        let top = try engine.nextTokenLogprobs(prompt: ref.prompt_ids + expected.prefix(agreed), top: 2)
        #expect(Set(top.map(\.id)) == [expected[agreed], result.tokens[agreed]], "diverged at token \(agreed)")
        #expect(abs(top[0].logprob - top[1].logprob) < 0.05, "diverged at token \(agreed): \(top)")
    }

    @Test(arguments: 0..<EngineTestSupport.reference.next_token.count)
    func nextTokenLogprobsMatchLlamaCpp(index: Int) throws {
        let engine = try EngineTestSupport.engine()
        let ref = EngineTestSupport.reference.next_token[index]
        let ours = try engine.nextTokenLogprobs(prompt: ref.prompt_ids, top: 5)
        let theirs = Array(ref.top.prefix(5))
        #expect(ours.map(\.id) == theirs.map(\.id))
        for (mine, t) in zip(ours, theirs) {
            #expect(abs(mine.logprob - t.logprob) < Self.logprobTolerance, "token \(t.id): \(mine.logprob) vs \(t.logprob)")
        }
    }

    @Test(arguments: 0..<EngineTestSupport.reference.nll.count)
    func meanNLLWithinOnePercent(index: Int) throws {
        let engine = try EngineTestSupport.engine()
        let ref = EngineTestSupport.reference.nll[index]
        let logprobs = try engine.tokenLogprobs(ref.ids)
        #expect(logprobs.count == ref.token_nll.count)
        let mean = -logprobs.reduce(0, +) / Double(logprobs.count)
        #expect(abs(mean / ref.mean_nll - 1) < 0.01, "mean NLL \(mean) vs \(ref.mean_nll)")
    }

    @Test func reproducesLlamaCppArithmetic() throws {
        // Every fixture log-probability (top 20 of each prompt, every NLL term) to
        // 1e-4: the engine does not approximate llama.cpp, it repeats its rounding.
        let engine = try EngineTestSupport.engine()
        for ref in EngineTestSupport.reference.next_token {
            let ours = try engine.nextTokenLogprobs(prompt: ref.prompt_ids, top: ref.top.count)
            for (mine, t) in zip(ours, ref.top) {
                #expect(mine.id == t.id && abs(mine.logprob - t.logprob) < 1e-4, "token \(t.id)")
            }
        }
        for ref in EngineTestSupport.reference.nll {
            let logprobs = try engine.tokenLogprobs(ref.ids)
            for (mine, theirs) in zip(logprobs, ref.token_nll) { #expect(abs(-mine - theirs) < 1e-4) }
        }
    }
}
