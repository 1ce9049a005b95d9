import Foundation
@testable import WhetInference

/// Builds small GGUF buffers byte by byte, so reader tests (and fuzzers) can make
/// valid files and then break exactly one thing.
struct GGUFBufferBuilder {
    var version: UInt32 = 3
    var alignment = 32
    var metadata: [(String, GGUFValue)] = []
    var tensors: [(name: String, dims: [Int], type: GGMLType, data: [UInt8])] = []

    func build() -> Data {
        var out = Data("GGUF".utf8)
        Self.append(&out, version)
        Self.append(&out, UInt64(tensors.count))
        Self.append(&out, UInt64(metadata.count))
        for (key, value) in metadata {
            Self.appendString(&out, key)
            Self.append(&out, value.type.rawValue)
            Self.appendValue(&out, value)
        }
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            offsets.append(offset)
            offset += (t.data.count + alignment - 1) / alignment * alignment
        }
        for (t, off) in zip(tensors, offsets) {
            Self.appendString(&out, t.name)
            Self.append(&out, UInt32(t.dims.count))
            for d in t.dims { Self.append(&out, Int64(d)) }
            Self.append(&out, t.type.rawValue)
            Self.append(&out, UInt64(off))
        }
        while out.count % alignment != 0 { out.append(0) }
        for t in tensors {
            out.append(contentsOf: t.data)
            while out.count % alignment != 0 { out.append(0) }
        }
        return out
    }

    static func append<T: FixedWidthInteger>(_ out: inout Data, _ value: T) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    static func appendString(_ out: inout Data, _ s: String) {
        append(&out, UInt64(s.utf8.count))
        out.append(contentsOf: Array(s.utf8))
    }

    static func appendValue(_ out: inout Data, _ value: GGUFValue) {
        switch value {
        case .uint8(let v): append(&out, v)
        case .int8(let v): append(&out, v)
        case .uint16(let v): append(&out, v)
        case .int16(let v): append(&out, v)
        case .uint32(let v): append(&out, v)
        case .int32(let v): append(&out, v)
        case .float32(let v): append(&out, v.bitPattern)
        case .bool(let v): append(&out, UInt8(v ? 1 : 0))
        case .string(let s): appendString(&out, s)
        case .uint64(let v): append(&out, v)
        case .int64(let v): append(&out, v)
        case .float64(let v): append(&out, v.bitPattern)
        case .array(let type, let values):
            append(&out, type.rawValue)
            append(&out, UInt64(values.count))
            for v in values { appendValue(&out, v) }
        }
    }
}
