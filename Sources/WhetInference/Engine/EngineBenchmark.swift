import Foundation
import WhetCore

/// The measurements behind `whet lm bench` and scripts/bench-lm: the same
/// workloads scripts/bench-lm runs on llama.cpp, so the two columns compare.
public struct EngineBenchmarkResult: Sendable, Codable {
    public var promptTokens: Int
    public var promptTokensPerSecond: Double
    public var decodeTokens: Int
    public var decodeTokensPerSecond: Double
    public var batchSequences: Int
    public var batchDecodeTokensPerSecond: Double
    /// One sequence through `generateBatch`, i.e. in the batches' arithmetic (block
    /// sums unless EngineOptions.decodeArithmetic says otherwise).
    public var batchOfOneTokensPerSecond: Double
    /// Batched over single-sequence decoding, against the faster of the two singles.
    public var batchSpeedup: Double { batchDecodeTokensPerSecond / max(decodeTokensPerSecond, batchOfOneTokensPerSecond, 1e-9) }
    public var prefixCachedTokens: Int
    public var prefixSuffixTokens: Int
    public var prefixColdSeconds: Double
    public var prefixHitSeconds: Double
    public var prefixSpeedup: Double { prefixColdSeconds / max(prefixHitSeconds, 1e-9) }
    public var residentMegabytes: Double
    public var loadSeconds: Double
}

public enum EngineBenchmark {
    /// Deterministic pseudo-text token ids (ordinary vocabulary, no specials).
    static func tokens(_ count: Int, seed: UInt64, vocab: Int) -> [Int32] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Int32(300 + Int(g.next() % UInt64(min(vocab, 20000) - 300))) }
    }

    public static func run(engine: LlamaEngine, promptTokens: Int = 512, decodeTokens: Int = 128,
                           batch: Int = 8, cached: Int = 300, suffix: Int = 30, loadSeconds: Double = 0,
                           repeats: Int = 3) throws -> EngineBenchmarkResult {
        precondition(promptTokens > 0 && decodeTokens > 0 && batch > 0 && repeats > 0, "validated by the caller")
        let vocab = engine.config.vocabSize
        func best(_ body: () throws -> Void) rethrows -> Double {
            try (0..<repeats).map { _ in try timed(body).seconds }.min()!
        }
        engine.prefixCacheEnabled = false
        defer { engine.prefixCacheEnabled = true }

        // Warm-up: page in the weights, grow scratch buffers.
        _ = try engine.nextTokenLogprobs(prompt: tokens(promptTokens, seed: 99, vocab: vocab), top: 1)

        let prompt = tokens(promptTokens, seed: 1, vocab: vocab)
        let prefill = try best { _ = try engine.nextTokenLogprobs(prompt: prompt, top: 1) }

        // Decode: time of (prompt + N tokens) minus time of prompt alone, from a short prompt.
        // The three decodes take turns within each repetition, so a slow period of the
        // shared host falls on all of them alike and their ratios stay comparable (in
        // three separate best-of loops one slow stretch could move a ratio by 30%).
        // Rates count the tokens actually generated.
        let short = tokens(16, seed: 2, vocab: vocab)
        let context = engine.config.contextLength
        if short.count + decodeTokens > context {
            throw EngineError.contextOverflow(tokens: short.count + decodeTokens, contextLength: context)
        }
        let request = GenerationRequest(prompt: short, maxTokens: decodeTokens, stopTokens: [])
        let requests = (0..<batch).map {
            GenerationRequest(prompt: tokens(16, seed: 10 + UInt64($0), vocab: vocab), maxTokens: decodeTokens,
                              stopTokens: [])
        }
        typealias Decode = (seconds: Double, value: [GenerationResult])
        func faster(_ a: Decode, _ b: Decode) -> Decode { b.seconds < a.seconds ? b : a }
        var shortPrefill = Double.infinity
        var single: Decode = (.infinity, []), batchOfOne = single, batched = single
        for _ in 0..<repeats {
            shortPrefill = min(shortPrefill, try timed { try engine.nextTokenLogprobs(prompt: short, top: 1) }.seconds)
            single = faster(single, try timed { [try engine.generate(request)] })
            batchOfOne = faster(batchOfOne, try timed { try engine.generateBatch([request]) })
            batched = faster(batched, try timed { try engine.generateBatch(requests) })
        }
        func rate(_ m: Decode, prefills: Int) -> Double {
            Double(m.value.reduce(0) { $0 + $1.tokens.count }) / max(m.seconds - Double(prefills) * shortPrefill, 1e-9)
        }

        // Prefix cache: a 300-token shared prefix cached, then a request adding 30 tokens.
        let shared = tokens(cached, seed: 3, vocab: vocab)
        let full = shared + tokens(suffix, seed: 4, vocab: vocab)
        let cold = try best { _ = try engine.nextTokenLogprobs(prompt: full, top: 1) }
        engine.prefixCacheEnabled = true
        let hitTimes = try (0..<repeats).map { _ in
            // Timed once per priming: a second call would find all 330 tokens cached.
            engine.clearPrefixCache()
            _ = try engine.nextTokenLogprobs(prompt: shared, top: 1)
            return try timed { try engine.nextTokenLogprobs(prompt: full, top: 1) }.seconds
        }
        return EngineBenchmarkResult(
            promptTokens: promptTokens, promptTokensPerSecond: Double(promptTokens) / prefill,
            decodeTokens: decodeTokens, decodeTokensPerSecond: rate(single, prefills: 1),
            batchSequences: batch, batchDecodeTokensPerSecond: rate(batched, prefills: batch),
            batchOfOneTokensPerSecond: rate(batchOfOne, prefills: 1),
            prefixCachedTokens: cached, prefixSuffixTokens: suffix, prefixColdSeconds: cold,
            prefixHitSeconds: hitTimes.min()!, residentMegabytes: residentMegabytes(), loadSeconds: loadSeconds)
    }

    /// How long `body` took, and what it returned.
    static func timed<T>(_ body: () throws -> T) rethrows -> (seconds: Double, value: T) {
        let start = DispatchTime.now().uptimeNanoseconds
        let value = try body()
        return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, value)
    }

    /// VmRSS from /proc/self/status (Linux), else 0.
    public static func residentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kb / 1024
        }
        return 0
    }
}
