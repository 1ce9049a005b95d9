import Foundation
import WhetCore

/// Everything that can be wrong with a GGUF file. Each case names the file (or
/// `<memory>` for in-memory buffers) and what was expected, so a corrupt download
/// reads as an actionable message rather than a crash.
public enum GGUFError: UserFacingError, Equatable {
    case cannotOpen(file: String, reason: String)
    case badMagic(file: String, found: [UInt8])
    case unsupportedVersion(file: String, version: UInt32)
    case truncated(file: String, offset: Int, needed: Int, context: String)
    case absurdCount(file: String, what: String, count: UInt64, limit: UInt64)
    case unknownValueType(file: String, key: String, type: UInt32)
    case nestedArray(file: String, key: String)
    case invalidUTF8(file: String, context: String)
    case duplicateKey(file: String, key: String)
    case duplicateTensor(file: String, name: String)
    case badAlignment(file: String, alignment: Int)
    case badTensorShape(file: String, tensor: String, detail: String)
    case unknownTensorType(file: String, tensor: String, type: UInt32)
    case misalignedTensor(file: String, tensor: String, offset: UInt64, alignment: Int)
    case tensorOutOfBounds(file: String, tensor: String, end: UInt64, dataSize: Int)
    case overlappingTensors(file: String, first: String, second: String)

    public var errorDescription: String? {
        switch self {
        case let .cannotOpen(file, reason):
            return "\(file): cannot open GGUF file (\(reason))"
        case let .badMagic(file, found):
            let hex = found.map { String(format: "%02x", $0) }.joined(separator: " ")
            return "\(file): not a GGUF file (expected magic \"GGUF\", found bytes \(hex))"
        case let .unsupportedVersion(file, version):
            return "\(file): unsupported GGUF version \(version) (expected 2 or 3)"
        case let .truncated(file, offset, needed, context):
            return "\(file): truncated while reading \(context) (needed \(needed) bytes at offset \(offset))"
        case let .absurdCount(file, what, count, limit):
            return "\(file): \(what) count \(count) is impossible (at most \(limit) fit in the file)"
        case let .unknownValueType(file, key, type):
            return "\(file): metadata key \"\(key)\" has unknown value type \(type) (expected 0...12)"
        case let .nestedArray(file, key):
            return "\(file): metadata key \"\(key)\" is an array of arrays, which GGUF readers do not support"
        case let .invalidUTF8(file, context):
            return "\(file): \(context) is not valid UTF-8"
        case let .duplicateKey(file, key):
            return "\(file): metadata key \"\(key)\" appears twice"
        case let .duplicateTensor(file, name):
            return "\(file): tensor \"\(name)\" appears twice"
        case let .badAlignment(file, alignment):
            return "\(file): general.alignment \(alignment) is not a power of two"
        case let .badTensorShape(file, tensor, detail):
            return "\(file): tensor \"\(tensor)\" has a bad shape: \(detail)"
        case let .unknownTensorType(file, tensor, type):
            return "\(file): tensor \"\(tensor)\" has unknown ggml type id \(type)"
        case let .misalignedTensor(file, tensor, offset, alignment):
            return "\(file): tensor \"\(tensor)\" data offset \(offset) is not a multiple of the alignment \(alignment)"
        case let .tensorOutOfBounds(file, tensor, end, dataSize):
            return "\(file): tensor \"\(tensor)\" ends at byte \(end) of the data section, past its end (\(dataSize) bytes)"
        case let .overlappingTensors(file, first, second):
            return "\(file): tensors \"\(first)\" and \"\(second)\" overlap in the data section"
        }
    }
}
