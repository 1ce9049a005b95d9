/// Turns generated ids into text as they arrive. A token may end in the middle of a
/// UTF-8 sequence (emoji and CJK are often split across byte tokens), so the
/// trailing bytes of an incomplete but still valid sequence are held back until the
/// next token completes them. Concatenating every `append` and the final `finish`
/// gives exactly `tokenizer.decode(allIDs)`.
public struct StreamingDecoder {
    private let piece: (Int32) -> [UInt8]
    private var pending: [UInt8] = []

    public init(tokenizer: some Tokenizer) {
        piece = { tokenizer.pieceBytes($0) }
    }

    /// Text that became complete with this token (possibly empty).
    public mutating func append(_ id: Int32) -> String { append(bytes: piece(id)) }

    public mutating func append(bytes: [UInt8]) -> String {
        pending.append(contentsOf: bytes)
        let cut = Self.completePrefixLength(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Flushes whatever is held back; an unfinished sequence becomes U+FFFD.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }

    /// Whether bytes are being held back for the next token.
    public var hasPendingBytes: Bool { !pending.isEmpty }

    /// The length of `bytes` without a trailing incomplete-but-valid sequence. Bytes
    /// before a lead byte never belong to a sequence that the lead byte continues, so
    /// cutting there decodes the same as decoding everything at once.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        var lead = n - 1
        while lead >= 0, lead >= n - 3, bytes[lead] & 0xC0 == 0x80 { lead -= 1 }
        guard lead >= 0, lead >= n - 3 else { return n }
        let b0 = bytes[lead]
        let need: Int
        switch b0 {
        case 0xC2...0xDF: need = 2
        case 0xE0...0xEF: need = 3
        case 0xF0...0xF4: need = 4
        default: return n  // ASCII or a byte that never starts a sequence
        }
        let have = n - lead
        guard have < need else { return n }
        if have >= 2 {
            let b1 = bytes[lead + 1]
            let valid: ClosedRange<UInt8>
            switch b0 {
            case 0xE0: valid = 0xA0...0xBF
            case 0xED: valid = 0x80...0x9F
            case 0xF0: valid = 0x90...0xBF
            case 0xF4: valid = 0x80...0x8F
            default: valid = 0x80...0xBF
            }
            guard valid.contains(b1) else { return n }
        }
        return lead
    }
}
