import Foundation

/// Joins kept units back into text. Adjacent kept units keep the whitespace between
/// them; where units were dropped, the join is a paragraph break if the dropped stretch
/// held one (and paragraph breaks are kept), else a line break if it held one, else
/// nothing if the units were glued together (CJK, JSON quotes), else one space.
struct TextAssembler {
    let layout: TextLayout
    let keepParagraphBreaks: Bool

    struct Output {
        var text: String
        /// Kept stretches of the context as UTF-8 byte ranges, in output order.
        var byteSpans: [Range<Int>]
    }

    /// `order` lists blocks in output order (nil: the original order).
    func assemble(keep: [Bool], order: [Int]? = nil) -> Output {
        let bytes = layout.bytes
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var spans: [Range<Int>] = []
        let blockOrder = order ?? Array(layout.blocks.indices)
        let inOrder = order == nil || order == Array(layout.blocks.indices)
        var previous: Int?  // last unit written
        var dropped: [Int] = []  // units dropped since it
        for b in blockOrder {
            let units = layout.unitRange(ofBlock: b)
            for u in units {
                guard keep[u] else { dropped.append(u); continue }
                let unit = layout.units[u]
                if let p = previous {
                    let adjacent = dropped.isEmpty && p + 1 == u
                    if adjacent {
                        out.append(contentsOf: bytes[unit.gapStart..<unit.range.lowerBound])
                        spans[spans.count - 1] = spans[spans.count - 1].lowerBound..<unit.range.upperBound
                    } else {
                        out.append(contentsOf: joiner(previous: p, dropped: dropped, next: u, reordered: !inOrder && p + 1 != u))
                        spans.append(unit.range)
                    }
                } else {
                    spans.append(unit.range)
                }
                out.append(contentsOf: bytes[unit.range])
                previous = u
                dropped = []
            }
        }
        return Output(text: String(decoding: out, as: UTF8.self), byteSpans: spans)
    }

    private func joiner(previous: Int, dropped: [Int], next: Int, reordered: Bool) -> [UInt8] {
        let blockChange = block(previous) != block(next)
        if reordered, blockChange { return keepParagraphBreaks ? [0x0A, 0x0A] : [0x0A] }
        var newlines = 0
        for u in dropped + [next] {
            newlines = max(newlines, layout.gap(ofUnit: u).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) })
        }
        if newlines >= 2 || (blockChange && newlines == 0) { return keepParagraphBreaks ? [0x0A, 0x0A] : [0x0A] }
        if newlines == 1 { return [0x0A] }
        if layout.gap(ofUnit: dropped.first ?? next).isEmpty || layout.gap(ofUnit: next).isEmpty { return [] }
        return [0x20]
    }

    private func block(_ unit: Int) -> Int { layout.sentences[layout.units[unit].sentence].block }

    /// Converts byte spans into `[start, end)` code-point offsets of the context.
    func codePointSpans(_ spans: [Range<Int>]) -> [[Int]] {
        guard !spans.isEmpty else { return [] }
        let bytes = layout.bytes
        let points = spans.flatMap { [$0.lowerBound, $0.upperBound] }
        let sorted = Array(Set(points)).sorted()
        var map: [Int: Int] = [:]
        var count = 0
        var k = 0
        for i in 0...bytes.count {
            while k < sorted.count, sorted[k] == i { map[i] = count; k += 1 }
            if k == sorted.count { break }
            if i < bytes.count, bytes[i] & 0xC0 != 0x80 { count += 1 }
        }
        return spans.map { [map[$0.lowerBound] ?? 0, map[$0.upperBound] ?? 0] }
    }
}
