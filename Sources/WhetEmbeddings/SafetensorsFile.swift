import Foundation

/// A read-only, memory-mapped `.safetensors` file: an 8-byte little-endian header length,
/// a JSON header mapping tensor names to dtype/shape/byte offsets, then the raw data.
/// Tensors are converted to `[Float]` on request (F32 copied, F16/BF16 widened).
public struct SafetensorsFile: Sendable {
    public struct TensorInfo: Sendable, Equatable {
        public let dtype: String
        public let shape: [Int]
        /// Byte range relative to the start of the data section.
        public let begin: Int
        public let end: Int
    }

    public let path: String
    public let tensors: [String: TensorInfo]
    private let data: Data
    private let dataStart: Int

    public init(url: URL) throws {
        path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw EmbeddingError.fileMissing(path: path) }
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw EmbeddingError.unreadable(path: path, reason: error.localizedDescription)
        }
        guard data.count >= 8 else { throw EmbeddingError.malformedSafetensors(path: path, reason: "shorter than 8 bytes") }
        let headerLength = data.withUnsafeBytes { raw in
            UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        }
        guard headerLength <= UInt64(data.count - 8) else {
            throw EmbeddingError.malformedSafetensors(path: path, reason: "header length \(headerLength) exceeds file size")
        }
        dataStart = 8 + Int(headerLength)
        let header = data.subdata(in: 8..<dataStart)
        guard let json = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            throw EmbeddingError.malformedSafetensors(path: path, reason: "header is not a JSON object")
        }
        var parsed: [String: TensorInfo] = [:]
        let dataSize = data.count - dataStart
        for (name, value) in json where name != "__metadata__" {
            guard let entry = value as? [String: Any],
                  let dtype = entry["dtype"] as? String,
                  let shape = (entry["shape"] as? [NSNumber])?.map(\.intValue),
                  let offsets = (entry["data_offsets"] as? [NSNumber])?.map(\.intValue), offsets.count == 2,
                  offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataSize
            else {
                throw EmbeddingError.malformedSafetensors(path: path, reason: "bad header entry for '\(name)'")
            }
            parsed[name] = TensorInfo(dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
        }
        tensors = parsed
    }

    /// The tensor as row-major floats, checking its shape when `shape` is given.
    public func floats(_ name: String, shape expected: [Int]? = nil) throws -> [Float] {
        guard let info = tensors[name] else { throw EmbeddingError.tensorMissing(path: path, name: name) }
        if let expected, expected != info.shape {
            throw EmbeddingError.tensorShape(path: path, name: name, expected: expected, found: info.shape)
        }
        let count = info.shape.reduce(1, *)
        let width: Int
        switch info.dtype {
        case "F32": width = 4
        case "F16", "BF16": width = 2
        default: throw EmbeddingError.unsupportedDType(path: path, name: name, dtype: info.dtype)
        }
        guard info.end - info.begin == count * width else {
            throw EmbeddingError.malformedSafetensors(
                path: path, reason: "'\(name)' holds \(info.end - info.begin) bytes for \(count) \(info.dtype) values")
        }
        let start = dataStart + info.begin
        return data.withUnsafeBytes { raw in
            let base = raw.baseAddress!.advanced(by: start)
            // Safetensors offsets carry no alignment guarantee, hence the unaligned loads.
            switch info.dtype {
            case "F32":
                return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                    memcpy(buffer.baseAddress!, base, count * 4)
                    initialized = count
                }
            case "BF16":
                return (0..<count).map { i in
                    Float(bitPattern: UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
                }
            default:
                return (0..<count).map { i in
                    Float(halfBits: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                }
            }
        }
    }
}

extension Float {
    /// IEEE 754 binary16 to binary32, written out because `Float16` is unavailable on some x86 toolchains.
    init(halfBits h: UInt16) {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int((h >> 10) & 0x1F)
        var mantissa = UInt32(h & 0x3FF)
        if exponent == 0x1F {
            self = Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        } else if exponent != 0 {
            self = Float(bitPattern: sign | UInt32(exponent + 112) << 23 | (mantissa << 13))
        } else if mantissa == 0 {
            self = Float(bitPattern: sign)
        } else {
            var e = 113
            while mantissa & 0x400 == 0 { mantissa <<= 1; e -= 1 }
            self = Float(bitPattern: sign | UInt32(e) << 23 | ((mantissa & 0x3FF) << 13))
        }
    }
}
