import Foundation
import WhetCore

/// Why a tokenizer could not be built from a model's metadata. Each case names the
/// file and the metadata key, so a broken or unsupported model is actionable.
public enum TokenizerError: UserFacingError, Equatable {
    case missingKey(file: String, key: String)
    case wrongType(file: String, key: String, expected: String)
    case unsupportedModel(file: String, model: String)
    case unsupportedPreTokenizer(file: String, pre: String, supported: [String])
    case lengthMismatch(file: String, key: String, count: Int, expected: Int)
    case badSpecialTokenID(file: String, key: String, id: Int, vocabSize: Int)
    case emptyVocabulary(file: String)

    public var errorDescription: String? {
        switch self {
        case let .missingKey(file, key):
            return "\(file): tokenizer metadata key \"\(key)\" is missing"
        case let .wrongType(file, key, expected):
            return "\(file): tokenizer metadata key \"\(key)\" is not \(expected)"
        case let .unsupportedModel(file, model):
            return "\(file): tokenizer.ggml.model \"\(model)\" is not supported (expected \"gpt2\", byte-level BPE)"
        case let .unsupportedPreTokenizer(file, pre, supported):
            return "\(file): tokenizer.ggml.pre \"\(pre)\" is not supported (supported: \(supported.joined(separator: ", ")))"
        case let .lengthMismatch(file, key, count, expected):
            return "\(file): \"\(key)\" has \(count) entries, expected \(expected) (one per token)"
        case let .badSpecialTokenID(file, key, id, vocabSize):
            return "\(file): \"\(key)\" is \(id), outside the vocabulary of \(vocabSize) tokens"
        case let .emptyVocabulary(file):
            return "\(file): tokenizer.ggml.tokens is empty"
        }
    }
}
