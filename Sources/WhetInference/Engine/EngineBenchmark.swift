import Foundation

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
        let vocab = engine.config.vocabSize
        func best(_ body: () throws -> Void) rethrows -> Double {
            var times: [Double] = []
            for _ in 0..<repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            return times.min()!
        }
        engine.prefixCacheEnabled = false
        defer { engine.prefixCacheEnabled = true }

        // Warm-up: page in the weights, grow scratch buffers.
        _ = try engine.nextTokenLogprobs(prompt: tokens(promptTokens, seed: 99, vocab: vocab), top: 1)

        let prompt = tokens(promptTokens, seed: 1, vocab: vocab)
        let prefill = try best { _ = try engine.nextTokenLogprobs(prompt: prompt, top: 1) }

        // Decode: time of (prompt + N tokens) minus time of prompt alone, from a short prompt.
        let short = tokens(16, seed: 2, vocab: vocab)
        let request = GenerationRequest(prompt: short, maxTokens: decodeTokens, stopTokens: [])
        let shortPrefill = try best { _ = try engine.nextTokenLogprobs(prompt: short, top: 1) }
        let single = try best { _ = try engine.generate(request) } - shortPrefill
        let batchOfOne = try best { _ = try engine.generateBatch([request]) } - shortPrefill

        let requests = (0..<batch).map {
            GenerationRequest(prompt: tokens(16, seed: 10 + UInt64($0), vocab: vocab), maxTokens: decodeTokens,
                              stopTokens: [])
        }
        let batched = try best { _ = try engine.generateBatch(requests) } - Double(batch) * shortPrefill

        // Prefix cache: a 300-token shared prefix cached, then a request adding 30 tokens.
        let shared = tokens(cached, seed: 3, vocab: vocab)
        let full = shared + tokens(suffix, seed: 4, vocab: vocab)
        let cold = try best { _ = try engine.nextTokenLogprobs(prompt: full, top: 1) }
        engine.prefixCacheEnabled = true
        var hitTimes: [Double] = []
        for _ in 0..<repeats {
            // Timed once per priming: a second call would find all 330 tokens cached.
            engine.clearPrefixCache()
            _ = try engine.nextTokenLogprobs(prompt: shared, top: 1)
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try engine.nextTokenLogprobs(prompt: full, top: 1)
            hitTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return EngineBenchmarkResult(
            promptTokens: promptTokens, promptTokensPerSecond: Double(promptTokens) / prefill,
            decodeTokens: decodeTokens, decodeTokensPerSecond: Double(decodeTokens) / single,
            batchSequences: batch, batchDecodeTokensPerSecond: Double(batch * decodeTokens) / batched,
            batchOfOneTokensPerSecond: Double(decodeTokens) / batchOfOne,
            prefixCachedTokens: cached, prefixSuffixTokens: suffix, prefixColdSeconds: cold,
            prefixHitSeconds: hitTimes.min()!, residentMegabytes: residentMegabytes(), loadSeconds: loadSeconds)
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
