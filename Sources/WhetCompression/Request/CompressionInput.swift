import Foundation

/// Turns raw bytes into compressible text, or a clear error: empty input, binary data
/// (NUL bytes or mostly control characters) and invalid UTF-8 are refused with the
/// byte offset and line of the first offence.
public enum CompressionInput {
    public static func text(from data: Data, source: String) throws -> String {
        let bytes = [UInt8](data)
        guard !bytes.isEmpty else { throw CompressionError.emptyInput(source: source) }
        if let nul = bytes.firstIndex(of: 0) { throw CompressionError.binaryInput(source: source, byteOffset: nul) }
        if let bad = firstInvalidUTF8(bytes) {
            let line = bytes[..<bad].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw CompressionError.invalidUTF8(source: source, byteOffset: bad, line: line)
        }
        // Control characters other than tab, newline, carriage return and form feed are
        // rare in text; many of them mean a binary file that happens to be valid UTF-8.
        var controls = 0
        var firstControl = 0
        for (i, b) in bytes.enumerated() where b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D && b != 0x0C {
            if controls == 0 { firstControl = i }
            controls += 1
        }
        if controls > 0, controls * 20 > bytes.count {
            throw CompressionError.binaryInput(source: source, byteOffset: firstControl)
        }
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        guard text.contains(where: { !$0.isWhitespace }) else { throw CompressionError.emptyInput(source: source) }
        return text
    }

    /// The offset of the first byte that does not start or continue a well-formed
    /// UTF-8 sequence (overlongs, surrogates and values above U+10FFFF included).
    static func firstInvalidUTF8(_ b: [UInt8]) -> Int? {
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            var need = 0
            var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lo = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; hi = 0x9F
            case 0xF0: need = 3; lo = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; hi = 0x8F
            default: return i
            }
            guard i + need < n else { return i }
            for k in 1...need {
                let x = b[i + k]
                let (l, h) = k == 1 ? (lo, hi) : (UInt8(0x80), UInt8(0xBF))
                if x < l || x > h { return i }
            }
            i += need + 1
        }
        return nil
    }
}
