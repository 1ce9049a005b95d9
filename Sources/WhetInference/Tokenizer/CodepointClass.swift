/// The three Unicode classes the GPT-2 family of pre-tokenizer regexes test
/// (\p{L}, \p{N}, \s), packed into one byte per code point. `inText` marks a code
/// point that exists, so a look-ahead past the end of a chunk reads as 0 — the
/// hand-written splitters in llama.cpp rely on exactly that distinction.
enum CodepointClass {
    static let letter: UInt8 = 1
    static let number: UInt8 = 2
    static let whitespace: UInt8 = 4
    static let inText: UInt8 = 8

    private static let ascii: [UInt8] = (0..<128).map { classify(UInt32($0)) }

    @inline(__always)
    static func of(_ value: UInt32) -> UInt8 {
        value < 128 ? ascii[Int(value)] : classify(value)
    }

    /// Letters and numbers are the general categories L* and N*; whitespace is the
    /// Unicode White_Space property (the set llama.cpp's unicode-data uses, which
    /// includes U+0085 and U+00A0).
    private static func classify(_ value: UInt32) -> UInt8 {
        guard let scalar = Unicode.Scalar(value) else { return inText }
        var result = inText
        let properties = scalar.properties
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            result |= letter
        case .decimalNumber, .letterNumber, .otherNumber:
            result |= number
        default:
            break
        }
        if properties.isWhitespace { result |= whitespace }
        return result
    }
}
