/// Splits text at special-token strings before BPE, as llama.cpp's
/// `tokenizer_st_partition`: tokens are tried longest first, each one cutting every
/// remaining text fragment at all of its non-overlapping occurrences.
struct SpecialTokenMatcher: Sendable {
    enum Fragment: Equatable {
        case text(Range<Int>)
        case token(Int32)
    }

    struct Entry: Sendable {
        let id: Int32
        let bytes: [UInt8]
        let needsParseSpecial: Bool
    }

    /// Longest first; equal lengths by id, so the order is deterministic.
    let entries: [Entry]

    init(entries: [Entry]) {
        self.entries = entries.filter { !$0.bytes.isEmpty }.sorted {
            $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id
        }
    }

    func partition(_ text: [UInt8], parseSpecial: Bool) -> [Fragment] {
        guard !text.isEmpty else { return [] }
        var fragments: [Fragment] = [.text(0..<text.count)]
        for entry in entries where parseSpecial || !entry.needsParseSpecial {
            var out: [Fragment] = []
            out.reserveCapacity(fragments.count)
            for fragment in fragments {
                guard case .text(let range) = fragment else {
                    out.append(fragment)
                    continue
                }
                var start = range.lowerBound
                while let hit = Self.find(entry.bytes, in: text, from: start, to: range.upperBound) {
                    if hit > start { out.append(.text(start..<hit)) }
                    out.append(.token(entry.id))
                    start = hit + entry.bytes.count
                }
                if start < range.upperBound { out.append(.text(start..<range.upperBound)) }
            }
            fragments = out
        }
        return fragments
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int, to: Int) -> Int? {
        let count = needle.count
        guard to - from >= count else { return nil }
        let first = needle[0]
        return haystack.withUnsafeBufferPointer { hay in
            needle.withUnsafeBufferPointer { pat in
                var i = from
                let last = to - count
                while i <= last {
                    if hay[i] == first {
                        var j = 1
                        while j < count && hay[i + j] == pat[j] { j += 1 }
                        if j == count { return i }
                    }
                    i += 1
                }
                return nil
            }
        }
    }
}
