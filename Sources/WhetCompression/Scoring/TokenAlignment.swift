import Foundation
import WhetInference

/// The context's tokens in the scoring model's tokenizer, and which tokens belong to
/// which unit: a token belongs to the unit whose whitespace or text it starts in, so
/// `" word"` goes with `word` and a paragraph break with the unit after it.
struct TokenAlignment {
    let ids: [Int32]
    /// Token index range of each unit.
    let unitTokens: [Range<Int>]
    /// Tokens that are whitespace only (scores of these are ignored).
    let isWhitespace: [Bool]

    init(layout: TextLayout, tokenizer: any Tokenizer) {
        let text = String(decoding: layout.bytes, as: UTF8.self)
        let ids = tokenizer.encode(text, addBOS: false, parseSpecial: false)
        var starts: [Int] = []
        starts.reserveCapacity(ids.count)
        var whitespace: [Bool] = []
        whitespace.reserveCapacity(ids.count)
        var offset = 0
        for id in ids {
            let piece = tokenizer.pieceBytes(id)
            starts.append(offset)
            whitespace.append(!piece.isEmpty && piece.allSatisfy(StructureScanner.isSpace))
            offset += piece.count
        }
        self.ids = ids
        isWhitespace = whitespace
        // Walk units and tokens together: unit u owns tokens starting before the next unit's gap.
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(layout.units.count)
        var t = 0
        let units = layout.units
        // Tokens starting before the first unit's gap go with the first unit.
        for u in units.indices {
            let end = u + 1 < units.count ? units[u + 1].gapStart : Int.max
            let first = t
            while t < starts.count, starts[t] < end { t += 1 }
            ranges.append(first..<t)
        }
        unitTokens = ranges
    }

    var count: Int { ids.count }

    func tokens(ofUnit u: Int) -> ArraySlice<Int32> { ids[unitTokens[u]] }
    func tokenCount(ofUnit u: Int) -> Int { unitTokens[u].count }
}
