import Foundation

/// The BERT text normaliser and pre-tokeniser, matching Hugging Face `tokenizers`
/// (`BertNormalizer` then `BertPreTokenizer`) scalar for scalar: the fixture test compares
/// token ids with the Rust implementation, so every rule here mirrors one there.
public struct BertNormalizer: Sendable {
    public var cleanText = true
    public var handleChineseChars = true
    /// `nil` follows `lowercase`, as in `tokenizers`.
    public var stripAccents: Bool? = nil
    public var lowercase = true

    public init(cleanText: Bool = true, handleChineseChars: Bool = true, stripAccents: Bool? = nil, lowercase: Bool = true) {
        self.cleanText = cleanText
        self.handleChineseChars = handleChineseChars
        self.stripAccents = stripAccents
        self.lowercase = lowercase
    }

    public func normalize(_ text: String) -> [Unicode.Scalar] {
        var scalars = Array(text.unicodeScalars)
        if cleanText {
            scalars = scalars.compactMap { scalar in
                if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { return nil }
                return Self.isWhitespace(scalar) ? " " : scalar
            }
        }
        if handleChineseChars, scalars.contains(where: Self.isChinese) {
            var spaced: [Unicode.Scalar] = []
            spaced.reserveCapacity(scalars.count + 8)
            for scalar in scalars {
                if Self.isChinese(scalar) { spaced += [" ", scalar, " "] } else { spaced.append(scalar) }
            }
            scalars = spaced
        }
        if stripAccents ?? lowercase, scalars.contains(where: { !$0.isASCII }) {
            // NFD splits base letters from their combining marks; the marks (Mn) are then dropped.
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars)
            let decomposed = String(view).decomposedStringWithCanonicalMapping
            scalars = decomposed.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark }
        }
        if lowercase {
            var lowered: [Unicode.Scalar] = []
            lowered.reserveCapacity(scalars.count)
            for scalar in scalars {
                if scalar.isASCII {
                    let v = scalar.value
                    lowered.append(v >= 65 && v <= 90 ? Unicode.Scalar(v + 32)! : scalar)
                } else {
                    // Per character, like `char::to_lowercase`: no context rules such as final sigma.
                    lowered.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                }
            }
            scalars = lowered
        }
        return scalars
    }

    /// Splits normalised text into words: whitespace separates and is dropped,
    /// each punctuation character becomes a word of its own.
    public func preTokenize(_ scalars: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var words: [ArraySlice<Unicode.Scalar>] = []
        var start: Int? = nil
        for (i, scalar) in scalars.enumerated() {
            if scalar.properties.isWhitespace {
                if let s = start { words.append(scalars[s..<i]); start = nil }
            } else if Self.isPunctuation(scalar) {
                if let s = start { words.append(scalars[s..<i]); start = nil }
                words.append(scalars[i..<(i + 1)])
            } else if start == nil {
                start = i
            }
        }
        if let s = start { words.append(scalars[s..<scalars.count]) }
        return words
    }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.isWhitespace
    }

    /// `tokenizers` treats every "Other" category (Cc, Cf, Cn, Co, Cs) as control, except tab and newlines.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .unassigned, .privateUse, .surrogate: return true
        default: return false
        }
    }

    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        // ASCII punctuation includes symbols such as $ + < = > ^ ` | ~ that Unicode files under S*.
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) {
            return true
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideograph blocks that BERT isolates, as in the original BERT code.
    static func isChinese(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
