import Foundation
import WhetCore

/// Tensor-level failures: a type we cannot compute with, or a tensor whose
/// presence or shape does not match what the architecture needs.
public enum TensorError: UserFacingError, Equatable {
    case unsupportedType(GGMLType)
    case missingTensor(file: String, name: String)
    case shapeMismatch(file: String, name: String, expected: [Int], found: [Int])
    case missingMetadata(file: String, key: String)
    case badMetadata(file: String, key: String, detail: String)
    case unsupportedArchitecture(file: String, architecture: String)

    public var errorDescription: String? {
        switch self {
        case .unsupportedType(let t):
            return "unsupported tensor type \(t) (supported: F32, F16, BF16, Q4_0, Q4_1, Q8_0, Q4_K, Q6_K)"
        case let .missingTensor(file, name):
            return "\(file): required tensor \"\(name)\" is missing"
        case let .shapeMismatch(file, name, expected, found):
            return "\(file): tensor \"\(name)\" has shape \(found), expected \(expected)"
        case let .missingMetadata(file, key):
            return "\(file): required metadata key \"\(key)\" is missing"
        case let .badMetadata(file, key, detail):
            return "\(file): metadata \"\(key)\" is invalid: \(detail)"
        case let .unsupportedArchitecture(file, arch):
            return "\(file): architecture \"\(arch)\" is not supported (supported: llama)"
        }
    }
}
