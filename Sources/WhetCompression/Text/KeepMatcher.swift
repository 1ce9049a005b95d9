import Foundation

/// Where the keep-list matches: merged, sorted UTF-8 byte ranges of the context.
struct KeepMatcher {
    let rules: [KeepRule]

    func ranges(in text: String, bytes: [UInt8]) throws -> [Range<Int>] {
        guard !rules.isEmpty else { return [] }
        var found: [Range<Int>] = []
        var utf16ToUTF8: [Int]?
        for rule in rules {
            switch rule.pattern {
            case .literal(let s):
                found.append(contentsOf: Self.occurrences(of: Array(s.utf8), in: bytes))
            case .regex(let pattern):
                let regex: NSRegularExpression
                do { regex = try NSRegularExpression(pattern: pattern) } catch {
                    throw CompressionError.invalidKeepPattern(pattern: pattern, reason: "not a valid regular expression")
                }
                if utf16ToUTF8 == nil { utf16ToUTF8 = Self.utf16ToUTF8Offsets(text) }
                let map = utf16ToUTF8!
                let ns = text as NSString
                for m in regex.matches(in: text, range: NSRange(location: 0, length: ns.length)) where m.range.length > 0 {
                    found.append(map[m.range.location]..<map[m.range.location + m.range.length])
                }
            }
        }
        return Self.merged(found)
    }

    static func occurrences(of needle: [UInt8], in hay: [UInt8]) -> [Range<Int>] {
        guard !needle.isEmpty, needle.count <= hay.count else { return [] }
        var out: [Range<Int>] = []
        let first = needle[0]
        var i = 0
        let last = hay.count - needle.count
        while i <= last {
            if hay[i] == first, hay[i..<i + needle.count].elementsEqual(needle) {
                out.append(i..<i + needle.count)
                i += needle.count
            } else {
                i += 1
            }
        }
        return out
    }

    /// For each UTF-16 offset (and the end), the UTF-8 offset of the same position.
    static func utf16ToUTF8Offsets(_ text: String) -> [Int] {
        var map: [Int] = []
        map.reserveCapacity(text.utf16.count + 1)
        var utf8 = 0
        for scalar in text.unicodeScalars {
            let width = UTF8.width(scalar)
            map.append(utf8)
            if scalar.value > 0xFFFF { map.append(utf8) }
            utf8 += width
        }
        map.append(utf8)
        return map
    }

    static func merged(_ ranges: [Range<Int>]) -> [Range<Int>] {
        let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
        var out: [Range<Int>] = []
        for r in sorted {
            if let last = out.last, r.lowerBound <= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }
}
