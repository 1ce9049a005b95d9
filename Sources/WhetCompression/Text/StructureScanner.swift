import Foundation

/// Finds the line-level structures of a context: fenced code blocks, Markdown headings
/// and JSON values that start a line; everything else is prose, split into paragraphs
/// at blank lines.
struct StructureScanner {
    enum RegionKind: Equatable { case prose, heading, code, json }

    struct Region: Equatable {
        var range: Range<Int>
        var kind: RegionKind
    }

    let bytes: [UInt8]
    let options: StructureOptions

    func regions() -> [Region] {
        var out: [Region] = []
        var proseStart: Int?
        var lineStart = 0
        let n = bytes.count

        func flushProse(until end: Int) {
            if let start = proseStart {
                out.append(contentsOf: paragraphs(start..<end))
                proseStart = nil
            }
        }

        while lineStart < n {
            let lineEnd = endOfLine(lineStart)
            let next = min(n, lineEnd + 1)
            if let fence = openingFence(lineStart..<lineEnd) {
                flushProse(until: lineStart)
                let end = closingFence(after: next, fence: fence)
                out.append(Region(range: lineStart..<end, kind: .code))
                lineStart = end
                continue
            }
            if options.keepHeadings, isHeading(lineStart..<lineEnd) {
                flushProse(until: lineStart)
                out.append(Region(range: lineStart..<lineEnd, kind: .heading))
                lineStart = next
                continue
            }
            if options.protectJSON, let end = jsonValue(startingLine: lineStart..<lineEnd) {
                flushProse(until: lineStart)
                out.append(Region(range: lineStart..<end, kind: .json))
                lineStart = end
                continue
            }
            if proseStart == nil { proseStart = lineStart }
            lineStart = next
        }
        flushProse(until: n)
        return out
    }

    // MARK: - Lines

    func endOfLine(_ start: Int) -> Int {
        var i = start
        while i < bytes.count, bytes[i] != 0x0A { i += 1 }
        return i
    }

    func isBlank(_ line: Range<Int>) -> Bool { line.allSatisfy { Self.isSpace(bytes[$0]) } }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0C || b == 0x0B }

    /// Up to three spaces of indentation, as CommonMark allows.
    func indent(_ line: Range<Int>) -> Int? {
        var i = line.lowerBound
        while i < line.upperBound, bytes[i] == 0x20, i - line.lowerBound < 4 { i += 1 }
        return i - line.lowerBound <= 3 ? i : nil
    }

    /// A line of three or more backticks or tildes: the fence character and length.
    func openingFence(_ line: Range<Int>) -> (char: UInt8, count: Int)? {
        guard let i = indent(line), i < line.upperBound else { return nil }
        let c = bytes[i]
        guard c == 0x60 || c == 0x7E else { return nil }
        var j = i
        while j < line.upperBound, bytes[j] == c { j += 1 }
        guard j - i >= 3 else { return nil }
        // A backtick fence's info string may not contain backticks.
        if c == 0x60, bytes[j..<line.upperBound].contains(0x60) { return nil }
        return (c, j - i)
    }

    /// The end of the line that closes the fence (newline included), or the end of the text.
    func closingFence(after start: Int, fence: (char: UInt8, count: Int)) -> Int {
        var lineStart = start
        while lineStart < bytes.count {
            let lineEnd = endOfLine(lineStart)
            if let i = indent(lineStart..<lineEnd) {
                var j = i
                while j < lineEnd, bytes[j] == fence.char { j += 1 }
                if j - i >= fence.count, isBlank(j..<lineEnd) { return lineEnd }
            }
            lineStart = lineEnd + 1
        }
        return bytes.count
    }

    func isHeading(_ line: Range<Int>) -> Bool {
        guard let i = indent(line), i < line.upperBound, bytes[i] == 0x23 else { return false }
        var j = i
        while j < line.upperBound, bytes[j] == 0x23 { j += 1 }
        guard j - i <= 6 else { return false }
        return j == line.upperBound || bytes[j] == 0x20 || bytes[j] == 0x09
    }

    /// A JSON object or array that starts the line and ends a line: its end offset.
    func jsonValue(startingLine line: Range<Int>) -> Int? {
        var i = line.lowerBound
        while i < line.upperBound, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
        guard i < line.upperBound, bytes[i] == 0x7B || bytes[i] == 0x5B else { return nil }
        guard let end = JSONLexer.endOfValue(bytes, from: i) else { return nil }
        let rest = endOfLine(end)
        guard isBlank(end..<rest) else { return nil }
        guard (try? JSONSerialization.jsonObject(with: Data(bytes[i..<end]), options: [.fragmentsAllowed])) != nil else {
            return nil
        }
        return end
    }

    /// Prose split at blank lines; the blank lines stay with the following paragraph's gap.
    func paragraphs(_ range: Range<Int>) -> [Region] {
        var out: [Region] = []
        var start: Int?
        var lineStart = range.lowerBound
        while lineStart < range.upperBound {
            let lineEnd = min(endOfLine(lineStart), range.upperBound)
            if isBlank(lineStart..<lineEnd) {
                if let s = start { out.append(Region(range: s..<lineStart, kind: .prose)); start = nil }
            } else if start == nil {
                start = lineStart
            }
            lineStart = lineEnd + 1
        }
        if let s = start { out.append(Region(range: s..<range.upperBound, kind: .prose)) }
        return out
    }
}
