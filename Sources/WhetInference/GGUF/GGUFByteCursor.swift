/// A bounds-checked little-endian reader over the file's bytes. Every read checks
/// the remaining length first, so a truncated or lying header becomes a GGUFError.
struct GGUFByteCursor {
    let bytes: UnsafeRawBufferPointer
    let file: String
    var offset: Int = 0

    var remaining: Int { bytes.count - offset }

    mutating func need(_ count: Int, _ context: @autoclosure () -> String) throws {
        if count < 0 || count > remaining {
            throw GGUFError.truncated(file: file, offset: offset, needed: count, context: context())
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ context: @autoclosure () -> String) throws -> T {
        try need(MemoryLayout<T>.size, context())
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    mutating func readBytes(_ count: Int, _ context: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        try need(count, context())
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return slice
    }

    /// A GGUF string: u64 length then bytes, no NUL. The length is checked against
    /// the bytes left before anything is allocated.
    mutating func readString(_ context: @autoclosure () -> String) throws -> String {
        let length = try read(UInt64.self, context())
        guard length <= UInt64(remaining) else {
            throw GGUFError.truncated(file: file, offset: offset, needed: Int(clamping: length), context: context())
        }
        let raw = try readBytes(Int(length), context())
        guard let s = String(validating: raw, as: UTF8.self) else {
            throw GGUFError.invalidUTF8(file: file, context: context())
        }
        return s
    }
}
