import Foundation

/// Cuts prose into units at whitespace only, never inside an atomic span (a Markdown
/// link, inline code, a tag or autolink, a keep-list match), and gives each unit its kind
/// and protection. Runs of CJK characters, which carry no spaces, become one unit per
/// character so a character is never cut in half.
struct UnitSplitter {
    let bytes: [UInt8]
    let options: StructureOptions

    /// Units of `range`; `keep` are keep-list ranges (any order, may extend past `range`).
    func units(in range: Range<Int>, keep: [Range<Int>]) -> [TextUnit] {
        let inline = inlineSpans(in: range)
        let keepHere = keep.filter { $0.overlaps(range) }.map { $0.clamped(to: range) }
        let atomic = KeepMatcher.merged(inline.map(\.range) + keepHere)
        var out: [TextUnit] = []
        var gapStart = range.lowerBound
        var i = range.lowerBound
        var a = 0
        while i < range.upperBound {
            if StructureScanner.isSpace(bytes[i]) { i += 1; continue }
            // A unit runs to the next whitespace outside any atomic span.
            let start = i
            while i < range.upperBound {
                while a < atomic.count, atomic[a].upperBound <= i { a += 1 }
                if a < atomic.count, atomic[a].contains(i) { i = atomic[a].upperBound; continue }
                if StructureScanner.isSpace(bytes[i]) { break }
                i += 1
            }
            let chunk = start..<i
            let kept = keepHere.contains { $0.overlaps(chunk) }
            let span = inline.first { chunk.contains($0.range.lowerBound) }
            if kept {
                out.append(TextUnit(range: chunk, gapStart: gapStart, kind: .keep, protection: .always, sentence: 0))
            } else if let span {
                let protection: TextUnit.Protection = span.kind == .link && !options.keepLinks ? .none : .withSentence
                out.append(TextUnit(range: chunk, gapStart: gapStart, kind: span.kind, protection: protection, sentence: 0))
            } else {
                appendPlain(chunk, gapStart: gapStart, to: &out)
            }
            gapStart = i
        }
        if options.keepNumbers { protectMonths(&out) }
        return out
    }

    /// English month names and their abbreviations ("Sept." included).
    static let months: Set<String> = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
        "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    ]

    /// A month name beside a kept number is part of a date ("March 3, 2027", "3 March"):
    /// it shares the number's protection so no date loses its month.
    private func protectMonths(_ units: inout [TextUnit]) {
        for k in units.indices where units[k].kind == .word && units[k].protection == .none {
            let neighbours = [k - 1, k + 1].filter { units.indices.contains($0) }
            guard neighbours.contains(where: { units[$0].kind == .number && units[$0].protection >= .withSentence }) else { continue }
            let word = String(decoding: bytes[units[k].range], as: UTF8.self)
                .trimmingCharacters(in: CharacterSet.letters.inverted).lowercased()
            if Self.months.contains(word) { units[k].protection = .withSentence }
        }
    }

    private func appendPlain(_ chunk: Range<Int>, gapStart: Int, to out: inout [TextUnit]) {
        let kind = classify(chunk)
        if kind != .url, containsCJK(chunk) {
            appendCJK(chunk, gapStart: gapStart, to: &out)
            return
        }
        var protection = TextUnit.Protection.none
        if kind == .number, options.keepNumbers { protection = .withSentence }
        if kind == .url, options.keepLinks { protection = .withSentence }
        out.append(TextUnit(range: chunk, gapStart: gapStart, kind: kind, protection: protection, sentence: 0))
    }

    func classify(_ r: Range<Int>) -> TextUnit.Kind {
        let s = bytes[r]
        var lower = Array(s.prefix(12)).map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 }
        while let f = lower.first, "(<[\"'".utf8.contains(f) { lower.removeFirst() }
        for prefix in ["http://", "https://", "ftp://", "www.", "mailto:"] where lower.starts(with: prefix.utf8) {
            return .url
        }
        if contains(s, "://") { return .url }
        if s.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) { return .number }
        if s.contains(0x5F) || contains(s, "::") || contains(s, "->") || contains(s, "()") { return .identifier }
        // camelCase, or a dotted name such as os.path (letters on both sides of a dot).
        var previous: UInt8 = 0
        for (k, b) in s.enumerated() {
            let isUpper = b >= 0x41 && b <= 0x5A
            let prevLower = previous >= 0x61 && previous <= 0x7A
            if isUpper, prevLower { return .identifier }
            if b == 0x2E, k > 0, k + 1 < s.count, Self.isLetter(previous), Self.isLetter(s[s.startIndex + k + 1]) {
                return .identifier
            }
            previous = b
        }
        return .word
    }

    static func isLetter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }

    private func contains(_ s: ArraySlice<UInt8>, _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard s.count >= n.count else { return false }
        var i = s.startIndex
        while i + n.count <= s.endIndex {
            if s[i..<i + n.count].elementsEqual(n) { return true }
            i += 1
        }
        return false
    }

    static func isCJK(_ v: UInt32) -> Bool {
        (0x3040...0x30FF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v)
            || (0xAC00...0xD7AF).contains(v) || (0xF900...0xFAFF).contains(v) || (0x3000...0x303F).contains(v)
            || (0xFF00...0xFFEF).contains(v) || (0x20000...0x2FA1F).contains(v)
    }

    private func scalars(_ r: Range<Int>) -> [(value: UInt32, range: Range<Int>)] {
        var out: [(UInt32, Range<Int>)] = []
        for (offset, scalar) in zip(scalarOffsets(r), String(decoding: bytes[r], as: UTF8.self).unicodeScalars) {
            out.append((scalar.value, offset..<offset + UTF8.width(scalar)))
        }
        return out
    }

    private func scalarOffsets(_ r: Range<Int>) -> [Int] {
        r.filter { bytes[$0] & 0xC0 != 0x80 }
    }

    private func containsCJK(_ r: Range<Int>) -> Bool {
        bytes[r].contains { $0 >= 0xE3 } && scalars(r).contains { Self.isCJK($0.value) }
    }

    /// One unit per CJK character (combining marks stay with it); other runs stay whole.
    private func appendCJK(_ chunk: Range<Int>, gapStart: Int, to out: inout [TextUnit]) {
        var pieces: [Range<Int>] = []
        var runStart: Int?
        for (value, range) in scalars(chunk) {
            let isMark = (0x0300...0x036F).contains(value) || (0x3099...0x309A).contains(value)
                || (0xFE00...0xFE0F).contains(value)
            if isMark, let last = pieces.last, runStart == nil {
                pieces[pieces.count - 1] = last.lowerBound..<range.upperBound
            } else if Self.isCJK(value) {
                if let s = runStart { pieces.append(s..<range.lowerBound); runStart = nil }
                pieces.append(range)
            } else if runStart == nil {
                runStart = range.lowerBound
            }
        }
        if let s = runStart { pieces.append(s..<chunk.upperBound) }
        for (k, piece) in pieces.enumerated() {
            let kind = classify(piece)
            out.append(TextUnit(range: piece, gapStart: k == 0 ? gapStart : piece.lowerBound,
                                kind: kind == .word ? .cjk : kind, protection: kind == .number && options.keepNumbers ? .withSentence : .none,
                                sentence: 0))
        }
    }

    // MARK: - Inline atomic spans

    struct InlineSpan { var range: Range<Int>; var kind: TextUnit.Kind }

    /// Markdown links and images, inline code, autolinks and tags in `range`.
    func inlineSpans(in range: Range<Int>) -> [InlineSpan] {
        var out: [InlineSpan] = []
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            switch bytes[i] {
            case 0x60:
                var k = i
                while k < end, bytes[k] == 0x60 { k += 1 }
                let ticks = k - i
                if let close = findRun(of: 0x60, count: ticks, from: k, end: end) {
                    out.append(InlineSpan(range: i..<close, kind: .inlineCode))
                    i = close
                } else {
                    i = k
                }
            case 0x5B:
                if let link = markdownLink(at: i, end: end) {
                    let start = i > range.lowerBound && bytes[i - 1] == 0x21 ? i - 1 : i
                    out.append(InlineSpan(range: start..<link, kind: .link))
                    i = link
                } else {
                    i += 1
                }
            case 0x3C:
                var k = i + 1
                while k < end, k - i < 300, bytes[k] != 0x3E, bytes[k] != 0x3C, bytes[k] != 0x0A { k += 1 }
                let next = i + 1 < end ? bytes[i + 1] : 0
                if k < end, bytes[k] == 0x3E, Self.isLetter(next) || next == 0x2F || next == 0x21 {
                    let isURL = bytes[(i + 1)..<k].starts(with: "http".utf8)
                    out.append(InlineSpan(range: i..<k + 1, kind: isURL ? .link : .tag))
                    i = k + 1
                } else {
                    i += 1
                }
            default:
                i += 1
            }
        }
        return out
    }

    private func findRun(of c: UInt8, count: Int, from start: Int, end: Int) -> Int? {
        var i = start
        while i < end {
            if bytes[i] == c {
                var k = i
                while k < end, bytes[k] == c { k += 1 }
                if k - i == count { return k }
                i = k
            } else {
                i += 1
            }
        }
        return nil
    }

    /// `[text](target)` starting at `start`: the offset after `)`.
    private func markdownLink(at start: Int, end: Int) -> Int? {
        var i = start + 1
        var depth = 1
        while i < end, i - start < 500 {
            if bytes[i] == 0x5B { depth += 1 }
            if bytes[i] == 0x5D { depth -= 1; if depth == 0 { break } }
            i += 1
        }
        guard i + 1 < end, bytes[i] == 0x5D, bytes[i + 1] == 0x28 else { return nil }
        var k = i + 2
        while k < end, k - i < 2000, bytes[k] != 0x29, bytes[k] != 0x0A { k += 1 }
        guard k < end, bytes[k] == 0x29 else { return nil }
        return k + 1
    }
}
