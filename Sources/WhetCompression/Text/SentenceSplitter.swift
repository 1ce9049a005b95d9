import Foundation

/// Finds sentence ends among a paragraph's units: after `.`, `!`, `?` (or their CJK
/// forms) when the next unit starts a sentence and the word is not an abbreviation or
/// an initial, at a line break before a list item or table row, and after
/// `maxUnits` units so one run-on line cannot become a single huge sentence.
struct SentenceSplitter {
    let bytes: [UInt8]
    var maxUnits = 48

    static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "inc", "ltd", "co", "corp",
        "no", "fig", "al", "approx", "u.s", "u.k", "a.m", "p.m", "mt", "ft", "jan", "feb", "mar", "apr", "jun",
        "jul", "aug", "sep", "sept", "oct", "nov", "dec", "gen", "gov", "sen", "rep", "col", "lt", "sgt", "capt",
        "cf", "ca", "vol", "pp", "ed", "eds", "dept", "univ", "est",
    ]

    /// Indices `i` such that a sentence ends after `units[i]` (the last unit always does).
    func ends(of units: ArraySlice<TextUnit>) -> [Int] {
        var out: [Int] = []
        var length = 0
        for i in units.indices {
            length += 1
            let last = i == units.index(before: units.endIndex)
            if last || length >= maxUnits || endsSentence(units[i], next: units[i + 1]) {
                out.append(i)
                length = 0
            }
        }
        return out
    }

    private func endsSentence(_ u: TextUnit, next: TextUnit) -> Bool {
        let gap = bytes[next.gapStart..<next.range.lowerBound]
        if gap.contains(0x0A), startsListItem(next) { return true }
        if u.kind == .heading || u.kind == .codeBlock || u.kind == .fence { return true }
        // Strip closing quotes and brackets, then look at the last character.
        var end = u.range.upperBound
        while end > u.range.lowerBound, ")]\"'".utf8.contains(bytes[end - 1]) { end -= 1 }
        if end > u.range.lowerBound + 2, bytes[end - 3] == 0xE2, bytes[end - 2] == 0x80,
           bytes[end - 1] == 0x9D || bytes[end - 1] == 0x99 { end -= 3 }
        guard end > u.range.lowerBound else { return false }
        // 。！？ end a sentence whatever follows.
        if end >= u.range.lowerBound + 3 {
            let tail = Array(bytes[(end - 3)..<end])
            if tail == [0xE3, 0x80, 0x82] || tail == [0xEF, 0xBC, 0x81] || tail == [0xEF, 0xBC, 0x9F] { return true }
        }
        let c = bytes[end - 1]
        guard c == 0x2E || c == 0x21 || c == 0x3F else { return false }
        if gap.isEmpty { return false }
        if c == 0x2E {
            let word = String(decoding: bytes[u.range.lowerBound..<(end - 1)], as: UTF8.self)
                .trimmingCharacters(in: CharacterSet(charactersIn: "(\"'[")).lowercased()
            if Self.abbreviations.contains(word) { return false }
            if word.count == 1, word.first?.isLetter == true { return false }  // an initial: "J. Smith"
        }
        return startsSentence(next)
    }

    private func startsSentence(_ u: TextUnit) -> Bool {
        var i = u.range.lowerBound
        while i < u.range.upperBound, "(\"'[".utf8.contains(bytes[i]) { i += 1 }
        guard i < u.range.upperBound else { return true }
        let b = bytes[i]
        if b >= 0x61 && b <= 0x7A { return false }  // lowercase ASCII: a sentence goes on
        return true
    }

    private func startsListItem(_ u: TextUnit) -> Bool {
        let s = bytes[u.range]
        guard let f = s.first else { return false }
        if s.count == 1, "-*+|>".utf8.contains(f) { return true }
        if f == 0x7C || f == 0x3E { return true }
        // "1." or "2)" numbered items.
        var digits = 0
        for b in s { if b >= 0x30 && b <= 0x39 { digits += 1 } else { break } }
        if digits > 0, digits < 4, s.count == digits + 1, let l = s.last, l == 0x2E || l == 0x29 { return true }
        return false
    }
}
