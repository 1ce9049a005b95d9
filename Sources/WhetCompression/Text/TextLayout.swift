import Foundation

/// The smallest piece the compressor keeps or drops: a whitespace-delimited word with its
/// punctuation, a number, a URL, an identifier, one CJK character, or an atomic structure
/// (a fenced code block, a heading line, a Markdown link, inline code, a tag, a JSON key
/// or bracket). A unit is never cut, so no word, number, URL or identifier is ever split.
public struct TextUnit: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
        case word, number, url, identifier, cjk, link, inlineCode, tag, keep
        case codeBlock, heading, jsonStructure, jsonWord, fence
    }

    /// When a unit is kept regardless of its score.
    public enum Protection: UInt8, Sendable, Comparable {
        /// Scored like any other.
        case none
        /// Kept whenever its sentence is (numbers, links): dropped only with the sentence.
        case withSentence
        /// Always kept (keep-list matches, headings, code blocks, JSON structure).
        case always

        public static func < (a: Protection, b: Protection) -> Bool { a.rawValue < b.rawValue }
    }

    /// UTF-8 byte offsets of the unit's text in the context.
    public var range: Range<Int>
    /// Where the whitespace before the unit starts (`gapStart..<range.lowerBound`).
    public var gapStart: Int
    public var kind: Kind
    public var protection: Protection
    public var sentence: Int
}

/// Consecutive units that are kept or dropped together by the sentence-level stages.
public struct TextSentence: Sendable, Equatable {
    public var units: Range<Int>
    public var block: Int
    /// Holds an always-protected unit: never dropped by sentence selection.
    public var forced: Bool
}

/// A paragraph, heading, code block or JSON value: the "documents" that are ranked,
/// reordered and given their own keep rates.
public struct TextBlock: Sendable, Equatable {
    public enum Kind: UInt8, Sendable { case prose, heading, code, json }
    public var sentences: Range<Int>
    public var kind: Kind
}

/// A context cut into blocks, sentences and units, all as ranges over one UTF-8 buffer.
public struct TextLayout: Sendable {
    public let bytes: [UInt8]
    public internal(set) var units: [TextUnit] = []
    public internal(set) var sentences: [TextSentence] = []
    public internal(set) var blocks: [TextBlock] = []

    init(bytes: [UInt8]) { self.bytes = bytes }

    public func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
    public func text(ofUnit i: Int) -> String { text(units[i].range) }
    public func gap(ofUnit i: Int) -> ArraySlice<UInt8> { bytes[units[i].gapStart..<units[i].range.lowerBound] }

    /// The sentence's text from its first to its last unit, inner whitespace included.
    public func text(ofSentence s: Int) -> String {
        let r = sentences[s].units
        guard !r.isEmpty else { return "" }
        return text(units[r.lowerBound].range.lowerBound..<units[r.upperBound - 1].range.upperBound)
    }

    public func sentenceRange(ofBlock b: Int) -> Range<Int> { blocks[b].sentences }

    public func unitRange(ofBlock b: Int) -> Range<Int> {
        let s = blocks[b].sentences
        guard !s.isEmpty else { return 0..<0 }
        return sentences[s.lowerBound].units.lowerBound..<sentences[s.upperBound - 1].units.upperBound
    }
}
