/// The prompt pass of a DecodeSession step: every waiting prompt's next rows in one
/// forward pass (a segment each), in the prompt arithmetic, which gives a row the same
/// values whatever else is in the pass, however the prompt is split and whether its
/// prefix came from the prefix cache. So prefilling together equals one by one.
extension DecodeSession {
    func prefillPass(_ report: inout DecodeStepReport) {
        planSharedPrefixes()
        var batch = PromptBatch()
        var budget = prefillBudget
        // Shared prefixes first: the prompts that continue them wait until they are done.
        var computing = Set<ObjectIdentifier>()
        for p in sharedPrefixes where budget > 0 && !p.done {
            if !p.started { start(p) }
            guard !p.done else { continue }
            let take = min(p.tokens.count - p.filled, budget)
            batch.add(p.tokens[p.filled..<(p.filled + take)], cache: p.cache, start: p.filled)
            p.filled += take
            budget -= take
            computing.insert(ObjectIdentifier(p))
        }
        var completing: [DecodeSequence] = []
        for s in sequences where budget > 0 && (s.phase == .queued || s.phase == .prefilling) {
            if let p = s.sharedPrefix, !p.done || computing.contains(ObjectIdentifier(p)) { continue }
            if s.phase == .queued {
                start(s)
                report.started.append(s.id)
            }
            let take = min(s.remainingPrompt, budget)
            batch.add(s.prompt[s.filled..<(s.filled + take)], cache: s.cache, start: s.filled)
            s.filled += take
            budget -= take
            if s.remainingPrompt == 0 {
                batch.wantLogits()
                completing.append(s)
            }
        }
        guard !batch.tokens.isEmpty else { return }
        let logits = engine.model.forward(tokens: batch.tokens, segments: batch.segments, logitRows: batch.logitRows,
                                          prompt: true, matmul: engine.matmul, buffers: engine.buffers)
        report.prefillTokens = batch.tokens.count
        for p in sharedPrefixes where p.done && computing.contains(ObjectIdentifier(p)) {
            engine.prefixCache.insert(p.tokens, from: p.cache)
        }
        sharedPrefixes.removeAll(where: \.done)
        let vocab = engine.config.vocabSize
        for (row, s) in completing.enumerated() {
            engine.prefixCache.insert(s.prompt, from: s.cache)
            s.phase = .decoding
            if let token = s.accept(logits + row * vocab, vocab: vocab) { report.tokens.append((s.id, token)) }
        }
    }

    /// A sequence's first rows: whatever of its prompt is already computed, from its
    /// shared prefix or the prefix cache (the longer), is copied; at least one row is
    /// left to compute, for the logits.
    private func start(_ s: DecodeSequence) {
        let limit = s.prompt.count - 1
        var reuse = 0
        var source: KVCache?
        if let p = s.sharedPrefix, p.done {
            reuse = PrefixCache.commonPrefix(p.tokens, s.prompt, limit: limit)
            source = p.cache
        }
        if let hit = engine.prefixCache.lookup(s.prompt, limit: limit), hit.length > reuse {
            reuse = hit.length
            source = hit.cache
        }
        if let source, reuse > 0 { s.cache.copyPrefix(from: source, count: reuse) }
        s.cache.reserve(s.prompt.count)
        s.sharedPrefix = nil
        s.filled = reuse
        s.cachedPrompt = reuse
        s.phase = .prefilling
    }

    private func start(_ p: SharedPrefix) {
        if let hit = engine.prefixCache.lookup(p.tokens, limit: p.tokens.count) {
            p.cache.copyPrefix(from: hit.cache, count: hit.length)
            p.filled = hit.length
        }
        p.started = true
    }

    /// Finds prefixes that newly queued prompts share with each other (or with a shared
    /// prefix already under way) beyond what the prefix cache holds, so each is computed
    /// once: one by one, the first prompt would have put it in the cache for the rest.
    /// Off when the prefix cache is.
    func planSharedPrefixes() {
        let cache = engine.prefixCache
        let referenced = Set(sequences.compactMap { $0.sharedPrefix.map(ObjectIdentifier.init) })
        sharedPrefixes.removeAll { !referenced.contains(ObjectIdentifier($0)) }
        let fresh = sequences.filter { $0.phase == .queued && !$0.planned }
        guard !fresh.isEmpty, cache.budgetPositions > 0 else { return }
        let minimum = cache.minimumReuse
        var open: [(sequence: DecodeSequence, cached: Int)] = []
        for s in fresh {
            s.planned = true
            let limit = s.prompt.count - 1
            let cached = cache.matchLength(s.prompt, limit: limit)
            let under = sharedPrefixes.map { ($0, PrefixCache.commonPrefix($0.tokens, s.prompt, limit: limit)) }
                .max { $0.1 < $1.1 }
            if let (p, n) = under, n >= minimum, n >= cached + minimum {
                s.sharedPrefix = p
            } else {
                open.append((s, cached))
            }
        }
        guard open.count >= 2 else { return }
        // A prompt's longest common prefix with any other is with a neighbour in sorted order.
        let order = open.indices.sorted { open[$0].sequence.prompt.lexicographicallyPrecedes(open[$1].sequence.prompt) }
        var shared = [Int](repeating: 0, count: open.count)
        for (a, b) in zip(order, order.dropFirst()) {
            let n = PrefixCache.commonPrefix(open[a].sequence.prompt, open[b].sequence.prompt)
            shared[a] = max(shared[a], min(n, open[a].sequence.prompt.count - 1))
            shared[b] = max(shared[b], min(n, open[b].sequence.prompt.count - 1))
        }
        let worth = open.indices.filter { shared[$0] >= minimum && shared[$0] >= open[$0].cached + minimum }
        var created: [SharedPrefix] = []
        for i in worth.sorted(by: { shared[$0] > shared[$1] }) {
            let s = open[i].sequence
            if let p = created.first(where: { PrefixCache.commonPrefix($0.tokens, s.prompt) >= shared[i] }) {
                s.sharedPrefix = p
            } else {
                let p = SharedPrefix(tokens: Array(s.prompt.prefix(shared[i])), cache: engine.model.makeCache())
                created.append(p)
                s.sharedPrefix = p
            }
        }
        sharedPrefixes.append(contentsOf: created)
    }
}

/// The rows of one prompt pass: each piece of a prompt is a segment of its sequence's cache.
struct PromptBatch {
    var tokens: [Int32] = []
    var segments: [Segment] = []
    var logitRows: [Int] = []

    mutating func add(_ piece: ArraySlice<Int32>, cache: KVCache, start: Int) {
        segments.append(Segment(cache: cache, start: start, count: piece.count, row: tokens.count))
        tokens.append(contentsOf: piece)
    }

    /// The logits after the last row added.
    mutating func wantLogits() { logitRows.append(tokens.count - 1) }
}
