/// The minimal tokenizer surface the engine, the scorers and the CLI rely on, after
/// swift-transformers' `Tokenizer`. Ids are `Int32` because that is what the model
/// consumes and what llama.cpp reports.
public protocol Tokenizer: Sendable {
    /// Tokenizes `text`. `parseSpecial` turns control-token strings such as
    /// `<|im_start|>` into their single ids (llama.cpp's `special=True`);
    /// user-defined tokens are always recognised.
    func encode(_ text: String, addBOS: Bool, parseSpecial: Bool) -> [Int32]
    /// Concatenates the pieces of `ids` (special tokens rendered as their text) and
    /// decodes the bytes as UTF-8, replacing invalid sequences with U+FFFD.
    func decode(_ ids: [Int32]) -> String
    /// The raw bytes of one token's piece, or an empty array for an unknown id.
    func pieceBytes(_ id: Int32) -> [UInt8]

    var bosTokenID: Int32? { get }
    var eosTokenID: Int32? { get }
    /// Every id that ends generation (EOS, EOT, `<|im_end|>`, ...).
    var eogTokenIDs: Set<Int32> { get }
    var vocabSize: Int { get }
    /// The vocabulary entry as stored (byte-level encoded for normal BPE tokens).
    func tokenText(_ id: Int32) -> String?
}

extension Tokenizer {
    /// The CLI and engine convention: no BOS, special tokens recognised
    /// (llama.cpp's `tokenize(add_bos=False, special=True)`).
    public func encode(_ text: String) -> [Int32] { encode(text, addBOS: false, parseSpecial: true) }

    public func isEndOfGeneration(_ id: Int32) -> Bool { eogTokenIDs.contains(id) }
}
