/// Byte-pair encoding of one pre-tokenized word: repeatedly merge the adjacent pair
/// with the lowest merge rank, the leftmost on ties (llama.cpp's
/// `llm_bigram_bpe::comparator`). A heap with lazy invalidation keeps long words
/// (a run of 10,000 spaces) at O(n log n) instead of O(n²).
enum BPEWordEncoder {
    private struct Candidate {
        let rank: Int32
        let left: Int32
        let right: Int32
        let leftSymbol: Int32
        let rightSymbol: Int32

        @inline(__always)
        func precedes(_ other: Candidate) -> Bool {
            rank != other.rank ? rank < other.rank : left < other.left
        }
    }

    /// Returns the symbols (vocabulary or virtual ids) the word's raw bytes merge into.
    static func encode(_ bytes: some Collection<UInt8>, table: BPEMergeTable) -> [Int32] {
        var symbols = bytes.map { table.byteSymbol[Int($0)] }
        let n = symbols.count
        if n < 2 { return symbols }
        var next = [Int32](unsafeUninitializedCapacity: n) { buf, count in
            for i in 0..<n { buf[i] = Int32(i + 1) }
            buf[n - 1] = -1
            count = n
        }
        var prev = [Int32](unsafeUninitializedCapacity: n) { buf, count in
            for i in 0..<n { buf[i] = Int32(i - 1) }
            count = n
        }
        var heap: [Candidate] = []
        heap.reserveCapacity(n)

        func push(_ left: Int32, _ right: Int32) {
            guard left >= 0, right >= 0 else { return }
            let a = symbols[Int(left)], b = symbols[Int(right)]
            guard let merge = table.merge(a, b) else { return }
            heap.append(Candidate(rank: merge.rank, left: left, right: right, leftSymbol: a, rightSymbol: b))
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard heap[child].precedes(heap[parent]) else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        }
        func pop() -> Candidate {
            let top = heap[0]
            let last = heap.removeLast()
            if !heap.isEmpty {
                heap[0] = last
                var parent = 0
                while true {
                    let l = 2 * parent + 1, r = l + 1
                    var best = parent
                    if l < heap.count && heap[l].precedes(heap[best]) { best = l }
                    if r < heap.count && heap[r].precedes(heap[best]) { best = r }
                    if best == parent { break }
                    heap.swapAt(parent, best)
                    parent = best
                }
            }
            return top
        }

        for i in 0..<(n - 1) { push(Int32(i), Int32(i + 1)) }
        while !heap.isEmpty {
            let c = pop()
            let l = Int(c.left), r = Int(c.right)
            // Stale when either side has merged since: merging only grows a symbol, so
            // an unchanged id on both sides means the pair is still adjacent.
            guard symbols[l] == c.leftSymbol, symbols[r] == c.rightSymbol, next[l] == c.right,
                  let merge = table.merge(c.leftSymbol, c.rightSymbol) else { continue }
            symbols[l] = merge.result
            symbols[r] = -1
            next[l] = next[r]
            if next[r] >= 0 { prev[Int(next[r])] = c.left }
            push(prev[l], c.left)
            push(c.left, next[l])
        }
        return symbols.filter { $0 >= 0 }
    }
}
