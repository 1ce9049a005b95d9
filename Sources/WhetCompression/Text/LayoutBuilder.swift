import Foundation

/// Builds a `TextLayout`: structures found by `StructureScanner`, prose cut into units
/// by `UnitSplitter` and into sentences by `SentenceSplitter`, JSON into keys and
/// punctuation (always kept) and the words of string values (compressible).
struct LayoutBuilder {
    let options: StructureOptions
    let keep: [KeepRule]
    /// JSON string values with fewer words than this are kept whole.
    var minimumJSONValueWords = 4

    func build(_ text: String) throws -> TextLayout {
        let bytes = Array(text.utf8)
        var layout = TextLayout(bytes: bytes)
        let keepRanges = try KeepMatcher(rules: keep).ranges(in: text, bytes: bytes)
        let splitter = UnitSplitter(bytes: bytes, options: options)
        let sentenceSplitter = SentenceSplitter(bytes: bytes)
        var gapStart = 0

        func addSentence(_ units: [TextUnit], block: Int) {
            guard !units.isEmpty else { return }
            let s = layout.sentences.count
            let start = layout.units.count
            layout.units.append(contentsOf: units.map { var u = $0; u.sentence = s; return u })
            layout.sentences.append(TextSentence(units: start..<layout.units.count, block: block,
                                                 forced: units.contains { $0.protection == .always }))
        }

        func addBlock(_ kind: TextBlock.Kind, _ sentences: [[TextUnit]]) {
            let b = layout.blocks.count
            let first = layout.sentences.count
            for s in sentences { addSentence(s, block: b) }
            if layout.sentences.count > first {
                layout.blocks.append(TextBlock(sentences: first..<layout.sentences.count, kind: kind))
            }
        }

        func prose(_ range: Range<Int>) -> [[TextUnit]] {
            var units = splitter.units(in: range, keep: keepRanges)
            guard !units.isEmpty else { return [] }
            units[0].gapStart = gapStart
            var out: [[TextUnit]] = []
            var start = 0
            for end in sentenceSplitter.ends(of: units[...]) {
                out.append(Array(units[start...end]))
                start = end + 1
            }
            return out
        }

        for region in StructureScanner(bytes: bytes, options: options).regions() {
            switch region.kind {
            case .prose:
                addBlock(.prose, prose(region.range))
            case .heading:
                let r = trimmed(region.range, bytes)
                addBlock(.heading, [[TextUnit(range: r, gapStart: gapStart, kind: .heading, protection: .always, sentence: 0)]])
            case .code:
                let r = trimmed(region.range, bytes)
                if options.keepCodeBlocks {
                    addBlock(.code, [[TextUnit(range: r, gapStart: gapStart, kind: .codeBlock, protection: .always, sentence: 0)]])
                } else {
                    addBlock(.code, codeAsProse(r, bytes: bytes, splitter: splitter, keep: keepRanges, gapStart: gapStart))
                }
            case .json:
                addBlock(.json, json(trimmed(region.range, bytes), bytes: bytes, keep: keepRanges, gapStart: gapStart))
            }
            gapStart = layout.units.last?.range.upperBound ?? region.range.upperBound
        }
        return layout
    }

    private func trimmed(_ r: Range<Int>, _ bytes: [UInt8]) -> Range<Int> {
        var lo = r.lowerBound, hi = r.upperBound
        while lo < hi, StructureScanner.isSpace(bytes[lo]) { lo += 1 }
        while hi > lo, StructureScanner.isSpace(bytes[hi - 1]) { hi -= 1 }
        return lo..<hi
    }

    /// Fence lines kept; each code line a sentence of compressible units.
    private func codeAsProse(_ r: Range<Int>, bytes: [UInt8], splitter: UnitSplitter, keep: [Range<Int>],
                             gapStart: Int) -> [[TextUnit]] {
        var out: [[TextUnit]] = []
        var lineStart = r.lowerBound
        var gap = gapStart
        var first = true
        while lineStart < r.upperBound {
            var lineEnd = lineStart
            while lineEnd < r.upperBound, bytes[lineEnd] != 0x0A { lineEnd += 1 }
            let isFence = first || lineEnd == r.upperBound
            var units: [TextUnit]
            if isFence {
                units = [TextUnit(range: trimmed(lineStart..<lineEnd, bytes), gapStart: 0, kind: .fence,
                                  protection: .always, sentence: 0)]
            } else {
                units = splitter.units(in: lineStart..<lineEnd, keep: keep)
            }
            if !units.isEmpty, !units[0].range.isEmpty {
                units[0].gapStart = gap
                out.append(units)
                gap = units.last!.range.upperBound
            }
            first = false
            lineStart = lineEnd + 1
        }
        return out
    }

    /// Structure units (always kept) in runs, and one sentence per longer string value.
    private func json(_ r: Range<Int>, bytes: [UInt8], keep: [Range<Int>], gapStart: Int) -> [[TextUnit]] {
        var out: [[TextUnit]] = []
        var structure: [TextUnit] = []
        var gap = gapStart
        func structural(_ range: Range<Int>) {
            structure.append(TextUnit(range: range, gapStart: gap, kind: .jsonStructure, protection: .always, sentence: 0))
            gap = range.upperBound
        }
        for token in JSONLexer.tokens(bytes, in: r) {
            let inner = (token.range.lowerBound + 1)..<max(token.range.lowerBound + 1, token.range.upperBound - 1)
            let words = token.kind == .value ? wordRanges(inner, bytes) : []
            let keptByRule = keep.contains { $0.overlaps(token.range) }
            guard words.count >= minimumJSONValueWords, !keptByRule else {
                structural(token.range)
                continue
            }
            structural(token.range.lowerBound..<inner.lowerBound)
            out.append(structure)
            structure = []
            var value: [TextUnit] = []
            for w in words {
                let hasDigit = bytes[w].contains { $0 >= 0x30 && $0 <= 0x39 }
                let protection: TextUnit.Protection = hasDigit && options.keepNumbers ? .withSentence : .none
                value.append(TextUnit(range: w, gapStart: gap, kind: hasDigit ? .number : .jsonWord,
                                      protection: protection, sentence: 0))
                gap = w.upperBound
            }
            out.append(value)
            structural(inner.upperBound..<token.range.upperBound)
        }
        if !structure.isEmpty { out.append(structure) }
        return out
    }

    /// Whitespace-separated words of a JSON string's contents (escapes never contain spaces).
    private func wordRanges(_ r: Range<Int>, _ bytes: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = r.lowerBound
        while i < r.upperBound {
            if bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1; continue }
            let s = i
            while i < r.upperBound, bytes[i] != 0x20, bytes[i] != 0x09 { i += 1 }
            out.append(s..<i)
        }
        return out
    }
}
