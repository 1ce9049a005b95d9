/// Token types as stored in `tokenizer.ggml.token_type` (GGUF spec; llama.cpp's
/// `llama_token_type`). Unknown raw values read as `.undefined`, as llama.cpp does.
public enum TokenType: Int, Sendable {
    case undefined = 0
    case normal = 1
    case unknown = 2
    case control = 3
    case userDefined = 4
    case unused = 5
    case byte = 6

    public init(raw: Int) { self = TokenType(rawValue: raw) ?? .undefined }

    /// Matched as whole strings in text before BPE (llama.cpp's special-token cache).
    var isSpecialCandidate: Bool { self == .control || self == .userDefined || self == .unknown }

    /// Recognised in text only when the caller asks for special-token parsing; user-defined
    /// tokens are always recognised (as Hugging Face tokenizers do).
    var needsParseSpecial: Bool { self == .control || self == .unknown }
}
