/// KV snapshots of recent prompts, so a request that starts with the same tokens
/// (the optimizer's shared instruction and exemplars) skips recomputing them.
/// Lookup takes the entry with the longest common prefix; eviction is LRU within
/// a budget of cached positions (46 KB each for SmolLM2-135M).
final class PrefixCache {
    private struct Entry {
        let tokens: [Int32]
        let cache: KVCache
        var lastUse: Int
    }

    var budgetPositions: Int
    /// Prefixes shorter than this are not worth a lookup hit (copy cost ~ compute).
    var minimumReuse = 16
    private var entries: [Entry] = []
    private var clock = 0

    init(budgetPositions: Int) { self.budgetPositions = budgetPositions }

    var storedPositions: Int { entries.reduce(0) { $0 + $1.tokens.count } }
    var count: Int { entries.count }

    func removeAll() { entries.removeAll() }

    /// The cached KV with the longest shared prefix of `tokens`, capped at `limit`
    /// positions; nil when nothing useful is cached.
    func lookup(_ tokens: [Int32], limit: Int) -> (cache: KVCache, length: Int)? {
        guard let best = longestMatch(tokens, limit: limit) else { return nil }
        clock += 1
        entries[best.index].lastUse = clock
        return (entries[best.index].cache, best.length)
    }

    /// How many positions of `tokens` (at most `limit`) a lookup would reuse; 0 for none.
    func matchLength(_ tokens: [Int32], limit: Int) -> Int { longestMatch(tokens, limit: limit)?.length ?? 0 }

    private func longestMatch(_ tokens: [Int32], limit: Int) -> (index: Int, length: Int)? {
        var best: (index: Int, length: Int)?
        for (i, entry) in entries.enumerated() {
            let n = Self.commonPrefix(entry.tokens, tokens, limit: limit)
            if n >= minimumReuse && n > (best?.length ?? 0) { best = (i, n) }
        }
        return best
    }

    /// The length of the common prefix of `a` and `b`, at most `limit`.
    static func commonPrefix(_ a: [Int32], _ b: [Int32], limit: Int = .max) -> Int {
        let maxN = min(a.count, b.count, limit)
        var n = 0
        while n < maxN && a[n] == b[n] { n += 1 }
        return n
    }

    /// Remembers the first `tokens.count` positions of `cache`.
    func insert(_ tokens: [Int32], from cache: KVCache) {
        guard tokens.count >= minimumReuse, tokens.count <= budgetPositions else { return }
        clock += 1
        if let i = entries.firstIndex(where: { $0.tokens == tokens }) {
            entries[i].lastUse = clock
            return
        }
        // An entry that is a prefix of the new one is subsumed by it.
        entries.removeAll { $0.tokens.count <= tokens.count && Array(tokens.prefix($0.tokens.count)) == $0.tokens }
        entries.append(Entry(tokens: tokens, cache: cache.snapshot(count: tokens.count), lastUse: clock))
        while storedPositions > budgetPositions, let oldest = entries.indices.min(by: {
            entries[$0].lastUse < entries[$1].lastUse
        }) {
            entries.remove(at: oldest)
        }
    }
}
