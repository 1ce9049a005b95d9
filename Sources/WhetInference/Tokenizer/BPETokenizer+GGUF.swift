extension BPETokenizer {
    /// Reads the tokenizer from a GGUF file's metadata. Only byte-level BPE
    /// (`tokenizer.ggml.model == "gpt2"`) with a supported `tokenizer.ggml.pre` is
    /// accepted; anything else is a `TokenizerError` naming the key, never a guess.
    /// Special-token ids that are absent stay nil (llama.cpp would default BOS/EOS to 11).
    public convenience init(gguf: GGUFFile) throws {
        let file = gguf.path
        func required<T>(_ key: String, _ value: T?, _ expected: String) throws -> T {
            guard gguf.metadata[key] != nil else { throw TokenizerError.missingKey(file: file, key: key) }
            guard let value else { throw TokenizerError.wrongType(file: file, key: key, expected: expected) }
            return value
        }
        func optionalInt(_ key: String) throws -> Int? {
            guard gguf.metadata[key] != nil else { return nil }
            return try required(key, gguf.int(key), "an integer")
        }
        let model = try required("tokenizer.ggml.model", gguf.string("tokenizer.ggml.model"), "a string")
        guard model == "gpt2" else { throw TokenizerError.unsupportedModel(file: file, model: model) }
        let preName = gguf.metadata["tokenizer.ggml.pre"] == nil
            ? "<missing>"
            : try required("tokenizer.ggml.pre", gguf.string("tokenizer.ggml.pre"), "a string")
        guard let pre = PreTokenizer(ggufName: preName) else {
            throw TokenizerError.unsupportedPreTokenizer(file: file, pre: preName,
                                                         supported: PreTokenizer.aliases.keys.sorted())
        }
        let tokens = try required("tokenizer.ggml.tokens", gguf.stringArray("tokenizer.ggml.tokens"),
                                  "an array of strings")
        let merges = try required("tokenizer.ggml.merges", gguf.stringArray("tokenizer.ggml.merges"),
                                  "an array of strings")
        let types = gguf.metadata["tokenizer.ggml.token_type"] == nil
            ? []
            : try required("tokenizer.ggml.token_type", gguf.intArray("tokenizer.ggml.token_type"),
                           "an array of integers")
        var addBOS: Bool?
        if gguf.metadata["tokenizer.ggml.add_bos_token"] != nil {
            addBOS = try required("tokenizer.ggml.add_bos_token", gguf.bool("tokenizer.ggml.add_bos_token"), "a bool")
        }
        try self.init(tokens: tokens, tokenTypes: types, merges: merges, pre: pre,
                      bosID: try optionalInt("tokenizer.ggml.bos_token_id"),
                      eosID: try optionalInt("tokenizer.ggml.eos_token_id"),
                      eotID: try optionalInt("tokenizer.ggml.eot_token_id"),
                      unknownID: try optionalInt("tokenizer.ggml.unknown_token_id"),
                      paddingID: try optionalInt("tokenizer.ggml.padding_token_id"),
                      addBOS: addBOS, chatTemplate: gguf.string("tokenizer.chat_template"),
                      source: file)
    }
}
