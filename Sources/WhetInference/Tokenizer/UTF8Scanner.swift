/// Decodes well-formed UTF-8 (bytes that came from a Swift String) into code points
/// with their byte offsets.
enum UTF8Scanner {
    @inline(__always)
    static func scan(_ bytes: [UInt8], _ range: Range<Int>, _ body: (UInt32, Int) -> Void) {
        bytes.withUnsafeBufferPointer { buf in
            var i = range.lowerBound
            let end = range.upperBound
            while i < end {
                let b0 = UInt32(buf[i])
                let length = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4
                guard i + length <= end else {
                    body(0xFFFD, i)  // cannot happen for String input; keeps the scan total
                    i += 1
                    continue
                }
                var value: UInt32
                switch length {
                case 1: value = b0
                case 2: value = (b0 & 0x1F) << 6 | UInt32(buf[i + 1] & 0x3F)
                case 3: value = (b0 & 0x0F) << 12 | UInt32(buf[i + 1] & 0x3F) << 6 | UInt32(buf[i + 2] & 0x3F)
                default:
                    value = (b0 & 0x07) << 18 | UInt32(buf[i + 1] & 0x3F) << 12
                        | UInt32(buf[i + 2] & 0x3F) << 6 | UInt32(buf[i + 3] & 0x3F)
                }
                body(value, i)
                i += length
            }
        }
    }
}
