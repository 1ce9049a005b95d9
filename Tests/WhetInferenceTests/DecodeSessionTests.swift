import Foundation
import Testing
import WhetCore
@testable import WhetInference

/// Continuous batching in the engine: sequences join and leave a DecodeSession between
/// steps, and none of that changes what any sequence computes.
@Suite struct DecodeSessionTests {
    /// Ordinary-vocabulary tokens no other test uses, so the shared prefix cache holds none of them.
    static func tokens(_ count: Int, seed: UInt64) -> [Int32] {
        EngineBenchmark.tokens(count, seed: 7_000 + seed, vocab: 49152)
    }

    /// Runs `requests` in a session of their own to the end.
    static func alone(_ engine: LlamaEngine, _ request: GenerationRequest) throws -> GenerationResult {
        let session = DecodeSession(engine: engine)
        let id = try session.add(request)
        while true {
            if let done = session.step().finished.first(where: { $0.sequence == id }) { return done.result }
        }
    }

    @Test func promptsPrefilledTogetherEqualPrefilledOneByOne() throws {
        let engine = try EngineTestSupport.engine()
        let prompts = [Self.tokens(23, seed: 1), Self.tokens(140, seed: 2), Self.tokens(7, seed: 3), Self.tokens(61, seed: 4)]
        let vocab = engine.config.vocabSize
        func logits(_ group: [[Int32]]) -> [[Float]] {
            engine.lock.withLock {
                var batch = PromptBatch()
                for p in group {
                    batch.add(p[...], cache: engine.model.makeCache(), start: 0)
                    batch.wantLogits()
                }
                let out = engine.model.forward(tokens: batch.tokens, segments: batch.segments, logitRows: batch.logitRows,
                                               prompt: true, matmul: engine.matmul, buffers: engine.buffers)
                return group.indices.map { Array(UnsafeBufferPointer(start: out + $0 * vocab, count: vocab)) }
            }
        }
        let together = logits(prompts)
        for (i, prompt) in prompts.enumerated() {
            #expect(together[i] == logits([prompt])[0], "prompt \(i): logits differ when prefilled with others")
        }
    }

    @Test func sessionPrefillInChunksAndTogetherGivesTheSameFirstTokens() throws {
        let engine = try EngineTestSupport.engine()
        let requests = (0..<4).map { i in
            GenerationRequest(prompt: Self.tokens(30 + 37 * i, seed: 10 + UInt64(i)), maxTokens: 1, stopTokens: [],
                              topLogprobs: 5)
        }
        // A budget of 50 rows splits the longer prompts over several steps and mixes pieces of several in a pass.
        let session = DecodeSession(engine: engine, prefillBudget: 50)
        let ids = try requests.map { try session.add($0) }
        var results: [SequenceID: GenerationResult] = [:]
        var passes = 0
        while !session.isEmpty {
            let report = session.step()
            #expect(report.prefillTokens <= 50)
            if report.prefillTokens > 0 { passes += 1 }
            for (id, result) in report.finished { results[id] = result }
        }
        #expect(passes >= 6)
        for (id, request) in zip(ids, requests) {
            let alone = try Self.alone(engine, request)
            #expect(results[id]?.tokens == alone.tokens)
            #expect(results[id]?.logprobs == alone.logprobs)
        }
    }

    @Test func aSequenceJoiningMidDecodeChangesNothing() throws {
        let engine = try EngineTestSupport.engine()
        let long = GenerationRequest(prompt: Self.tokens(40, seed: 20), maxTokens: 24, stopTokens: [], topLogprobs: 3)
        let greedy = GenerationRequest(prompt: Self.tokens(90, seed: 21), maxTokens: 6, stopTokens: [], topLogprobs: 3)
        let sampled = GenerationRequest(prompt: Self.tokens(25, seed: 22), maxTokens: 8,
                                        sampling: SamplingOptions(temperature: 1.2, topP: 0.95, seed: 5), stopTokens: [])
        let session = DecodeSession(engine: engine)
        let first = try session.add(long)
        for _ in 0..<4 { #expect(session.step().finished.isEmpty) }
        let joiners = [try session.add(greedy), try session.add(sampled)]
        let joined = session.step()
        // Both start while the first is mid-way, and all three decode in that step.
        #expect(joined.started == joiners)
        #expect(joined.decodedSequences == 3)
        var results: [SequenceID: GenerationResult] = [:]
        var finishOrder: [SequenceID] = []
        while !session.isEmpty {
            for (id, result) in session.step().finished {
                results[id] = result
                finishOrder.append(id)
            }
        }
        #expect(finishOrder.last == first, "the joiners are shorter and leave first")
        for (id, request) in zip([first] + joiners, [long, greedy, sampled]) {
            let alone = try Self.alone(engine, request)
            #expect(results[id]?.tokens == alone.tokens)
            #expect(results[id]?.logprobs == alone.logprobs)
            #expect(results[id]?.tokens.count == request.maxTokens)
        }
    }

    @Test func stopStringsAndLengthsEndSequencesOneByOne() throws {
        let engine = try EngineTestSupport.engine()
        let prompt = EngineTestSupport.reference.greedy[1].prompt_ids
        let free = try Self.alone(engine, GenerationRequest(prompt: prompt, maxTokens: 16, stopTokens: []))
        // A stop string taken from the free text: the sequence must end at the first token whose
        // text completes it, that token included.
        let stop = engine.detokenize(Array(free.tokens[5...6]))
        let end = try #require((0..<free.tokens.count).first {
            engine.detokenize(Array(free.tokens[...$0])).contains(stop)
        })
        let session = DecodeSession(engine: engine)
        let stopped = try session.add(GenerationRequest(prompt: prompt, maxTokens: 16, stopTokens: [], stopStrings: [stop]))
        let short = try session.add(GenerationRequest(prompt: prompt, maxTokens: 3, stopTokens: []))
        let full = try session.add(GenerationRequest(prompt: prompt, maxTokens: 16, stopTokens: []))
        var results: [SequenceID: GenerationResult] = [:]
        var steps: [SequenceID: Int] = [:]
        // Steps count from the first that made tokens (a shared prefix may take one before it).
        var step = 0
        while !session.isEmpty {
            let report = session.step()
            if step > 0 || !report.tokens.isEmpty { step += 1 }
            for (id, result) in report.finished {
                results[id] = result
                steps[id] = step
            }
        }
        #expect(results[stopped]?.tokens == Array(free.tokens[...end]))
        #expect(results[stopped]?.finishReason == .stop)
        #expect(results[stopped]?.stopString == stop)
        #expect(results[short]?.tokens == Array(free.tokens.prefix(3)))
        #expect(results[short]?.finishReason == .length)
        #expect(results[full]?.tokens == free.tokens)
        // Each leaves at the step that made its last token: after step s a sequence has s + 1 tokens
        // (the first step's prompt pass and generation pass make one each, every later step one).
        #expect(steps[stopped] == max(1, end))
        #expect(steps[short] == 2)
        #expect(steps[full] == 15)
    }

    @Test func cancellingOneSequenceLeavesTheOthers() throws {
        let engine = try EngineTestSupport.engine()
        let keep = GenerationRequest(prompt: Self.tokens(33, seed: 30), maxTokens: 12, stopTokens: [])
        let session = DecodeSession(engine: engine)
        let dropped = try session.add(GenerationRequest(prompt: Self.tokens(50, seed: 31), maxTokens: 12, stopTokens: []))
        let kept = try session.add(keep)
        for _ in 0..<3 { _ = session.step() }
        #expect(session.cancel(dropped))
        #expect(!session.cancel(dropped))
        var result: GenerationResult?
        while !session.isEmpty {
            let report = session.step()
            #expect(report.decodedSequences <= 1)
            #expect(!report.finished.contains { $0.sequence == dropped })
            if let done = report.finished.first(where: { $0.sequence == kept }) { result = done.result }
        }
        #expect(result?.tokens == (try Self.alone(engine, keep)).tokens)
    }

    @Test func aPrefixSharedByWaitingPromptsIsComputedOnce() throws {
        let engine = try EngineTestSupport.engine()
        let shared = Self.tokens(48, seed: 40)
        let requests = (0..<3).map { i in
            GenerationRequest(prompt: shared + Self.tokens(5 + i, seed: 41 + UInt64(i)), maxTokens: 4, stopTokens: [])
        }
        let session = DecodeSession(engine: engine)
        let ids = try requests.map { try session.add($0) }
        var prefilled = 0
        var results: [SequenceID: GenerationResult] = [:]
        while !session.isEmpty {
            let report = session.step()
            prefilled += report.prefillTokens
            for (id, result) in report.finished { results[id] = result }
        }
        // The prefix once, then each suffix: 48 + 5 + 6 + 7 rows, not 3 x 48 + 18.
        #expect(prefilled == 48 + 18)
        for (id, request) in zip(ids, requests) {
            #expect(results[id]?.cachedPromptTokens == 48)
            #expect(results[id]?.tokens == (try Self.alone(engine, request)).tokens)
        }
    }

    @Test func badRequestsAreRefusedAtAdmission() throws {
        let engine = try EngineTestSupport.engine()
        let session = DecodeSession(engine: engine)
        #expect(throws: EngineError.emptyPrompt) { try session.add(GenerationRequest(prompt: [])) }
        #expect(throws: EngineError.self) { try session.add(GenerationRequest(prompt: [-1])) }
        #expect(session.isEmpty)
        let none = try session.add(GenerationRequest(prompt: Self.tokens(4, seed: 50), maxTokens: 0))
        let report = session.step()
        #expect(report.prefillTokens == 0)
        #expect(report.finished.map(\.sequence) == [none])
        #expect(report.finished.first?.result.tokens == [])
    }
}
