import Foundation
import WhetCore

/// Everything that can go wrong loading the embedding model or using its utilities.
/// Each case names the file or input and what was expected, so the CLI can print it as is.
public enum EmbeddingError: UserFacingError, Equatable {
    case fileMissing(path: String)
    case unreadable(path: String, reason: String)
    case malformedSafetensors(path: String, reason: String)
    case tensorMissing(path: String, name: String)
    case tensorShape(path: String, name: String, expected: [Int], found: [Int])
    case unsupportedDType(path: String, name: String, dtype: String)
    case malformedConfig(path: String, field: String, expected: String)
    case malformedTokenizer(path: String, reason: String)
    case emptyInput(what: String)
    case invalidArgument(name: String, expected: String, got: String)

    public var errorDescription: String? {
        switch self {
        case .fileMissing(let path):
            return "\(path): file not found"
        case .unreadable(let path, let reason):
            return "\(path): cannot read (\(reason))"
        case .malformedSafetensors(let path, let reason):
            return "\(path): not a valid safetensors file (\(reason))"
        case .tensorMissing(let path, let name):
            return "\(path): tensor '\(name)' not found"
        case .tensorShape(let path, let name, let expected, let found):
            return "\(path): tensor '\(name)' has shape \(found), expected \(expected)"
        case .unsupportedDType(let path, let name, let dtype):
            return "\(path): tensor '\(name)' has dtype \(dtype); expected F32, F16 or BF16"
        case .malformedConfig(let path, let field, let expected):
            return "\(path): field '\(field)' must be \(expected)"
        case .malformedTokenizer(let path, let reason):
            return "\(path): cannot build the WordPiece tokenizer (\(reason))"
        case .emptyInput(let what):
            return "no input: \(what)"
        case .invalidArgument(let name, let expected, let got):
            return "\(name) must be \(expected), got \(got)"
        }
    }
}
