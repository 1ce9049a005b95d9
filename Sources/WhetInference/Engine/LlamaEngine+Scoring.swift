import Foundation

extension LlamaEngine {
    /// The `top` most likely next tokens after `prompt`, most likely first.
    public func nextTokenLogprobs(prompt: [Int32], top: Int) throws -> [RankedToken] {
        try lock.withLock {
            try validate(prompt)
            let cache = model.makeCache()
            let logits = prefill(prompt, into: cache).logits
            return logits.withUnsafeBufferPointer { topLogprobs($0.baseAddress!, count: top) }
        }
    }

    func topLogprobs(_ logits: UnsafePointer<Float>, count: Int) -> [RankedToken] {
        let vocab = config.vocabSize
        return LogSoftmax.top(logits, count: vocab, take: max(1, count),
                              normalizer: LogSoftmax.logNormalizer(logits, count: vocab))
    }

    /// log p of each continuation after `prompt`, all continuations in one forward
    /// pass (each continues its own copy of the prompt's KV), e.g. label strings.
    public func scoreContinuations(prompt: [Int32], continuations: [[Int32]]) throws -> [ContinuationScore] {
        try lock.withLock {
            try validate(prompt, extra: continuations.map(\.count).max() ?? 0)
            for c in continuations where !c.isEmpty { try validate(c) }
            let promptCache = model.makeCache()
            let promptLogits = prefill(prompt, into: promptCache).logits
            let z0 = promptLogits.withUnsafeBufferPointer { LogSoftmax.logNormalizer($0.baseAddress!, count: config.vocabSize) }
            var scores = continuations.map { c in
                ContinuationScore(tokenLogprobs: c.isEmpty ? [] : [Double(promptLogits[Int(c[0])]) - z0])
            }
            var tokens: [Int32] = []
            var segments: [Segment] = []
            var owners: [(continuation: Int, offset: Int)] = []
            for (i, c) in continuations.enumerated() where c.count > 1 {
                let fed = c.dropLast()
                segments.append(Segment(cache: promptCache.snapshot(count: prompt.count), start: prompt.count,
                                        count: fed.count, row: tokens.count))
                for j in fed.indices { owners.append((i, j)) }
                tokens.append(contentsOf: fed)
            }
            guard !tokens.isEmpty else { return scores }
            let logits = model.forward(tokens: tokens, segments: segments, logitRows: Array(tokens.indices),
                                       prompt: true, matmul: matmul, buffers: buffers)
            for (row, owner) in owners.enumerated() {
                let rowLogits = logits + row * config.vocabSize
                let next = continuations[owner.continuation][owner.offset + 1]
                let z = LogSoftmax.logNormalizer(rowLogits, count: config.vocabSize)
                scores[owner.continuation].tokenLogprobs.append(Double(rowLogits[Int(next)]) - z)
            }
            return scores
        }
    }

    /// log p(t_i | t_0..<i) for i >= 1 (the first token has no prediction), as
    /// llama.cpp's perplexity computes it; `tokens.count - 1` values.
    public func tokenLogprobs(_ tokens: [Int32], chunk: Int = 128) throws -> [Double] {
        try lock.withLock {
            try validate(tokens)
            let cache = model.makeCache()
            var result: [Double] = []
            result.reserveCapacity(tokens.count)
            var start = 0
            while start < tokens.count - 1 {
                let end = min(tokens.count - 1, start + chunk)
                let fed = Array(tokens[start..<end])
                let logits = model.forward(tokens: fed, segments: [Segment(cache: cache, start: start, count: fed.count, row: 0)],
                                           logitRows: Array(fed.indices), prompt: true, matmul: matmul, buffers: buffers)
                for r in fed.indices {
                    let row = logits + r * config.vocabSize
                    let z = LogSoftmax.logNormalizer(row, count: config.vocabSize)
                    result.append(Double(row[Int(tokens[start + r + 1])]) - z)
                }
                start = end
            }
            return result
        }
    }
}
