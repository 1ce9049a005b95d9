/// GPT-2's reversible byte <-> printable-character map: bytes that are printable
/// Latin-1 map to themselves, the other 68 to U+0100 onwards in byte order, so
/// every byte sequence becomes a string without spaces or control characters
/// (space becomes "Ġ", newline "Ċ").
enum ByteLevelEncoding {
    /// byteToScalar[b] is the code point that stands for byte b.
    static let byteToScalar: [UInt32] = {
        var map = [UInt32](repeating: 0, count: 256)
        var assigned = [Bool](repeating: false, count: 256)
        for range in [0x21...0x7E, 0xA1...0xAC, 0xAE...0xFF] {
            for b in range {
                map[b] = UInt32(b)
                assigned[b] = true
            }
        }
        var next: UInt32 = 0x100
        for b in 0..<256 where !assigned[b] {
            map[b] = next
            next += 1
        }
        return map
    }()

    /// The inverse, indexed by code point (all mapped code points are below 0x144).
    static let scalarToByte: [Int16] = {
        var inverse = [Int16](repeating: -1, count: 0x144)
        for (b, scalar) in byteToScalar.enumerated() { inverse[Int(scalar)] = Int16(b) }
        return inverse
    }()

    /// The UTF-8 bytes of the one-character string standing for byte b.
    static let byteToEncodedUTF8: [[UInt8]] = byteToScalar.map { Array(String(Unicode.Scalar($0)!).utf8) }

    /// Encoded vocabulary text -> raw bytes. Characters outside the map (which a
    /// well-formed vocabulary never has) pass through as their own UTF-8.
    static func decode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            let v = Int(scalar.value)
            if v < scalarToByte.count, scalarToByte[v] >= 0 {
                out.append(UInt8(scalarToByte[v]))
            } else {
                out.append(contentsOf: String(scalar).utf8)
            }
        }
        return out
    }
}
