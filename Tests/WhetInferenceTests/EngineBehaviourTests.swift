import Foundation
import Testing
import WhetCore
@testable import WhetInference

/// Engine properties that hold whatever the reference says: batching, caching and
/// sampling must not change results.
@Suite struct EngineBehaviourTests {
    static let prompt: [Int32] = EngineTestSupport.reference.greedy[0].prompt_ids

    @Test func batchedDecodingEqualsOneAtATime() throws {
        let engine = try EngineTestSupport.engine()
        let prompts = EngineTestSupport.reference.greedy.prefix(3).map(\.prompt_ids)
        let requests = prompts.map { GenerationRequest(prompt: $0, maxTokens: 12, stopTokens: []) }
        // A batch's arithmetic (block sums) does not depend on the batch's size.
        let together = try engine.generateBatch(requests)
        for (request, batched) in zip(requests, together) {
            let alone = try engine.generateBatch([request])[0]
            #expect(batched.tokens == alone.tokens)
            #expect(batched.tokens.count == 12 && batched.finishReason == .length)
        }
        // In llama.cpp's order everywhere, batched decoding is `generate`, token for token.
        var options = EngineOptions()
        options.decodeArithmetic = .llamaCpp
        let exact = try LlamaEngine(modelURL: ModelLocator.defaultGGUF(), options: options)
        let exactTogether = try exact.generateBatch(requests)
        for (request, batched) in zip(requests, exactTogether) {
            #expect(batched.tokens == (try exact.generate(request)).tokens)
            #expect(batched.tokens == (try engine.generate(request)).tokens)
        }
    }

    @Test func prefixCacheHitGivesTheSameLogprobs() throws {
        let engine = try EngineTestSupport.engine()
        let shared = EngineTestSupport.reference.greedy[2].prompt_ids
        let full = shared + [504, 3575, 282, 4649, 314]
        engine.clearPrefixCache()
        engine.prefixCacheEnabled = false
        let cold = try engine.nextTokenLogprobs(prompt: full, top: 3)
        engine.prefixCacheEnabled = true
        _ = try engine.nextTokenLogprobs(prompt: shared, top: 1)
        let result = try engine.generate(GenerationRequest(prompt: full, maxTokens: 1, stopTokens: []))
        #expect(result.cachedPromptTokens == shared.count)
        let warm = try engine.nextTokenLogprobs(prompt: full, top: 3)
        #expect(warm.map(\.id) == cold.map(\.id))
        for (a, b) in zip(warm, cold) { #expect(abs(a.logprob - b.logprob) < 0.02) }
    }

    @Test func stopTokensEndGeneration() throws {
        let engine = try EngineTestSupport.engine()
        let free = try engine.generate(GenerationRequest(prompt: Self.prompt, maxTokens: 6, stopTokens: []))
        let stopAt = free.tokens[3]
        let stopped = try engine.generate(GenerationRequest(prompt: Self.prompt, maxTokens: 6, stopTokens: [stopAt]))
        #expect(stopped.finishReason == .stop)
        #expect(stopped.tokens == Array(free.tokens.prefix { $0 != stopAt }))
    }

    @Test func seededSamplingIsReproducibleAndSeedsDiffer() throws {
        // An engine of its own with no prefix cache: the shared engine's cache is
        // filled by tests running in parallel, and a hit moves log-probs by ~1e-4,
        // enough to change a temperature-1.5 sample (see docs/engine.md).
        var options = EngineOptions()
        options.prefixCachePositions = 0
        let engine = try LlamaEngine(modelURL: ModelLocator.defaultGGUF(), options: options)
        let prompt = EngineTestSupport.reference.greedy[3].prompt_ids
        func sample(_ seed: UInt64) throws -> [Int32] {
            try engine.generate(GenerationRequest(prompt: prompt, maxTokens: 16,
                sampling: SamplingOptions(temperature: 1.5, topK: 50, topP: 0.95, seed: seed), stopTokens: [])).tokens
        }
        let a = try sample(7), b = try sample(7)
        #expect(a == b)
        let others = try (8..<12).map { try sample($0) }
        #expect(others.contains { $0 != a })
    }

    @Test func topKOfOneIsGreedy() throws {
        let engine = try EngineTestSupport.engine()
        let greedy = try engine.generate(GenerationRequest(prompt: Self.prompt, maxTokens: 8, stopTokens: []))
        let k1 = try engine.generate(GenerationRequest(prompt: Self.prompt, maxTokens: 8,
            sampling: SamplingOptions(temperature: 0.8, topK: 1, seed: 3), stopTokens: []))
        #expect(k1.tokens == greedy.tokens)
    }

    @Test func continuationScoresAgreeWithFullSequenceScoring() throws {
        let engine = try EngineTestSupport.engine()
        let labels: [[Int32]] = [[3575, 282], [7042], [504, 3575, 282, 4649]]
        let scores = try engine.scoreContinuations(prompt: Self.prompt, continuations: labels)
        for (label, score) in zip(labels, scores) {
            let full = try engine.tokenLogprobs(Self.prompt + label)
            let tail = full.suffix(label.count)
            #expect(score.tokenLogprobs.count == label.count)
            for (a, b) in zip(score.tokenLogprobs, tail) { #expect(abs(a - b) < 0.02) }
        }
    }

    @Test func logprobsAreNormalised() throws {
        let engine = try EngineTestSupport.engine()
        let all = try engine.nextTokenLogprobs(prompt: Self.prompt, top: engine.config.vocabSize)
        let total = all.reduce(0) { $0 + exp($1.logprob) }
        #expect(abs(total - 1) < 1e-6)
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.logprob >= $1.logprob })
    }

    @Test func badInputIsAnError() throws {
        let engine = try EngineTestSupport.engine()
        #expect(throws: EngineError.emptyPrompt) { try engine.nextTokenLogprobs(prompt: [], top: 1) }
        #expect(throws: EngineError.self) { try engine.nextTokenLogprobs(prompt: [99_999_999], top: 1) }
        let long = [Int32](repeating: 504, count: engine.config.contextLength + 1)
        #expect(throws: EngineError.self) { try engine.nextTokenLogprobs(prompt: long, top: 1) }
    }

    @Test func textPromptsTokenizeLikeTheFixture() throws {
        let engine = try EngineTestSupport.engine()
        for ref in EngineTestSupport.reference.greedy { #expect(engine.tokenize(ref.prompt) == ref.prompt_ids) }
    }
}

@Suite struct EngineIdentityTests {
    @Test func cacheIdentityNamesTheFileAndTheArithmetic() throws {
        let engine = try EngineTestSupport.engine()
        #expect(engine.cacheIdentity.contains("SmolLM2-135M-Instruct.Q4_1.gguf"))
        #expect(engine.cacheIdentity.contains("arithmetic v\(LlamaEngine.arithmeticVersion)"))
        #expect(engine.cacheIdentity.hasPrefix(engine.modelName))
    }
}

@Suite struct PromptArithmeticTests {
    /// The sgemm prompt path (OpenBLAS on F32 weights) is an accurate alternative, not
    /// llama.cpp's rounding: it must agree on the likeliest tokens and stay within the
    /// drift this model shows between float summation orders (~0.3), and it must
    /// really be another computation.
    @Test func sgemmPromptsAgreeApproximately() throws {
        var options = EngineOptions()
        options.promptArithmetic = .sgemm
        options.prefixCachePositions = 0
        let sgemm = try LlamaEngine(modelURL: ModelLocator.defaultGGUF(), options: options)
        let exact = try EngineTestSupport.engine()
        var largest = 0.0
        for ref in EngineTestSupport.reference.next_token {
            let a = try sgemm.nextTokenLogprobs(prompt: ref.prompt_ids, top: 5)
            let b = try exact.nextTokenLogprobs(prompt: ref.prompt_ids, top: 5)
            #expect(a.first?.id == b.first?.id)
            for (x, y) in zip(a, b) where x.id == y.id { largest = max(largest, abs(x.logprob - y.logprob)) }
        }
        #expect(largest < 0.5)
        #expect(largest > 1e-6)
    }
}
