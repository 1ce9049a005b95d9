/// GPT-2 style byte-level BPE, built from a GGUF vocabulary (`tokenizer.ggml.model
/// == "gpt2"`), producing the same ids as llama.cpp: special tokens are cut out
/// first (longest first), the rest is split into words by the file's pre-tokenizer,
/// each word's bytes are mapped to the GPT-2 byte alphabet and merged by rank.
///
/// Immutable apart from the internally locked word cache, so one instance can be
/// shared by every request.
public final class BPETokenizer: Tokenizer {
    public let tokens: [String]
    public let tokenTypes: [TokenType]
    public let preTokenizer: PreTokenizer
    public let bosTokenID: Int32?
    public let eosTokenID: Int32?
    public let eotTokenID: Int32?
    public let unknownTokenID: Int32?
    public let paddingTokenID: Int32?
    public let eogTokenIDs: Set<Int32>
    /// Whether the model expects BOS (`tokenizer.ggml.add_bos_token`, else the
    /// pre-tokenizer's llama.cpp default). `encode` only adds it when asked.
    public let addsBOS: Bool
    /// The chat format chosen from `tokenizer.chat_template`, if recognised.
    public let chatTemplate: ChatTemplate?

    let mergeTable: BPEMergeTable
    private let pieceIDs: [[UInt8]: Int32]
    private let pieces: [[UInt8]]
    private let specialMatcher: SpecialTokenMatcher
    private let cache = WordCache()

    /// Token texts that end generation, from llama.cpp's list (matched by text
    /// because converters rarely record EOT/EOM ids).
    static let endOfGenerationTexts: Set<String> = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>",
        "<EOT>", "_<EOT>", "<|end_of_text|>", "<end_of_utterance>",
        // FIM repository / file-separator / padding markers also stop generation in llama.cpp.
        "<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<|fim_repo|>", "<|repo_name|>", "<fim-repo>",
        "<REPO>", "<reponame>", "<|file_sep|>",
    ]

    /// - Parameters:
    ///   - tokens: vocabulary entries, byte-level encoded for normal tokens.
    ///   - tokenTypes: raw `tokenizer.ggml.token_type` values (empty: all normal).
    ///   - merges: `"left right"` pairs, rank = index.
    ///   - source: the file name used in errors.
    public init(tokens: [String], tokenTypes: [Int], merges: [String], pre: PreTokenizer,
                bosID: Int? = nil, eosID: Int? = nil, eotID: Int? = nil, unknownID: Int? = nil,
                paddingID: Int? = nil, addBOS: Bool? = nil, chatTemplate: String? = nil,
                source: String = "<memory>") throws {
        guard !tokens.isEmpty else { throw TokenizerError.emptyVocabulary(file: source) }
        guard tokenTypes.isEmpty || tokenTypes.count == tokens.count else {
            throw TokenizerError.lengthMismatch(file: source, key: "tokenizer.ggml.token_type",
                                                count: tokenTypes.count, expected: tokens.count)
        }
        func checked(_ id: Int?, _ key: String) throws -> Int32? {
            guard let id else { return nil }
            guard id >= 0, id < tokens.count else {
                throw TokenizerError.badSpecialTokenID(file: source, key: key, id: id, vocabSize: tokens.count)
            }
            return Int32(id)
        }
        // llama.cpp renames empty entries so every id keeps a distinct, non-empty text.
        let texts = tokens.enumerated().map { $0.element.isEmpty ? "[EMPTY_\($0.offset)]" : $0.element }
        var types = tokenTypes.isEmpty ? Array(repeating: TokenType.normal, count: texts.count)
                                       : tokenTypes.map(TokenType.init(raw:))
        let eos = try checked(eosID, "tokenizer.ggml.eos_token_id")
        var eot = try checked(eotID, "tokenizer.ggml.eot_token_id")
        var eog: Set<Int32> = []
        for (index, text) in texts.enumerated() where Self.endOfGenerationTexts.contains(text) {
            eog.insert(Int32(index))
            // As llama.cpp: an end-of-turn marker typed "normal" is a converter bug.
            if types[index] != .control { types[index] = .control }
            if eot == nil, ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
                            "<|end_of_text|>", "<EOT>"].contains(text) {
                eot = Int32(index)
            }
        }
        if let eos { eog.insert(eos) }
        if let eot { eog.insert(eot) }

        self.tokens = texts
        self.tokenTypes = types
        self.preTokenizer = pre
        let bos = try checked(bosID, "tokenizer.ggml.bos_token_id")
        self.bosTokenID = bos
        self.eosTokenID = eos
        self.eotTokenID = eot
        self.unknownTokenID = try checked(unknownID, "tokenizer.ggml.unknown_token_id")
        self.paddingTokenID = try checked(paddingID, "tokenizer.ggml.padding_token_id")
        self.eogTokenIDs = eog
        self.addsBOS = addBOS ?? pre.addsBOSByDefault
        self.chatTemplate = chatTemplate.flatMap {
            ChatTemplate(jinja: $0, bosText: bos.map { texts[Int($0)] } ?? "<|begin_of_text|>")
        }

        var ids: [[UInt8]: Int32] = [:]
        ids.reserveCapacity(texts.count)
        for (index, text) in texts.enumerated() where ids[Array(text.utf8)] == nil {
            ids[Array(text.utf8)] = Int32(index)
        }
        pieceIDs = ids
        mergeTable = BPEMergeTable(pieceIDs: ids, vocabularyCount: texts.count, merges: merges)
        pieces = zip(texts, types).map { text, type in
            switch type {
            case .normal: return ByteLevelEncoding.decode(text)
            case .control, .unknown, .userDefined: return Array(text.utf8)
            case .byte, .unused, .undefined: return []  // llama.cpp renders nothing for these in BPE
            }
        }
        specialMatcher = SpecialTokenMatcher(entries: zip(texts, types).enumerated().compactMap { index, pair in
            pair.1.isSpecialCandidate
                ? SpecialTokenMatcher.Entry(id: Int32(index), bytes: Array(pair.0.utf8),
                                            needsParseSpecial: pair.1.needsParseSpecial)
                : nil
        })
    }

    public var vocabSize: Int { tokens.count }

    public func tokenText(_ id: Int32) -> String? {
        id >= 0 && Int(id) < tokens.count ? tokens[Int(id)] : nil
    }

    public func pieceBytes(_ id: Int32) -> [UInt8] {
        id >= 0 && Int(id) < pieces.count ? pieces[Int(id)] : []
    }

    /// The id of an exact vocabulary entry (as stored), e.g. `"<|im_end|>"`.
    public func tokenID(_ text: String) -> Int32? { pieceIDs[Array(text.utf8)] }

    public func isControl(_ id: Int32) -> Bool {
        id >= 0 && Int(id) < tokenTypes.count && tokenTypes[Int(id)] == .control
    }

    public func decode(_ ids: [Int32]) -> String { decode(ids, renderSpecial: true) }

    /// With `renderSpecial == false`, control and unknown tokens contribute nothing
    /// (llama.cpp's `special=False`), which suits showing generated text to people.
    public func decode(_ ids: [Int32], renderSpecial: Bool) -> String {
        var bytes: [UInt8] = []
        for id in ids where renderSpecial || !isHiddenWhenPlain(id) {
            bytes.append(contentsOf: pieceBytes(id))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func isHiddenWhenPlain(_ id: Int32) -> Bool {
        id >= 0 && Int(id) < tokenTypes.count && tokenTypes[Int(id)].needsParseSpecial
    }

    public func encode(_ text: String, addBOS: Bool, parseSpecial: Bool) -> [Int32] {
        var output: [Int32] = []
        if addBOS, let bos = bosTokenID { output.append(bos) }
        let bytes = Array(text.utf8)
        output.reserveCapacity(bytes.count / 3 + 4)
        for fragment in specialMatcher.partition(bytes, parseSpecial: parseSpecial) {
            switch fragment {
            case .token(let id): output.append(id)
            case .text(let range): encodeOrdinary(bytes, range, into: &output)
            }
        }
        return output
    }

    /// Pre-tokenizes and BPE-encodes text that contains no special tokens.
    private func encodeOrdinary(_ bytes: [UInt8], _ range: Range<Int>, into output: inout [Int32]) {
        var codepoints: [UInt32] = []
        var offsets: [Int] = []  // byte offset of each code point, plus the end
        codepoints.reserveCapacity(range.count)
        offsets.reserveCapacity(range.count + 1)
        UTF8Scanner.scan(bytes, range) { value, offset in
            codepoints.append(value)
            offsets.append(offset)
        }
        offsets.append(range.upperBound)
        let classes = codepoints.map(CodepointClass.of)
        var words: [Range<Int>] = []
        words.reserveCapacity(codepoints.count / 3 + 1)
        preTokenizer.split(codepoints: codepoints, classes: classes, into: &words)
        for word in words {
            let wordBytes = Array(bytes[offsets[word.lowerBound]..<offsets[word.upperBound]])
            if let cached = cache.value(for: wordBytes) {
                output.append(contentsOf: cached)
                continue
            }
            let ids = encodeWord(wordBytes)
            cache.insert(ids, for: wordBytes)
            output.append(contentsOf: ids)
        }
    }

    func encodeWord(_ word: [UInt8]) -> [Int32] {
        if preTokenizer.ignoresMerges {
            var encoded: [UInt8] = []
            for b in word { encoded.append(contentsOf: ByteLevelEncoding.byteToEncodedUTF8[Int(b)]) }
            if let id = pieceIDs[encoded] { return [id] }
        }
        var ids: [Int32] = []
        for symbol in BPEWordEncoder.encode(word, table: mergeTable) {
            if Int(symbol) < mergeTable.vocabularyCount {
                ids.append(symbol)
            } else {
                // A merge result missing from the vocabulary: llama.cpp falls back to
                // single-byte entries of its encoded text, dropping what is not there.
                for b in mergeTable.virtualText[Int(symbol) - mergeTable.vocabularyCount] {
                    if let id = pieceIDs[[b]] { ids.append(id) }
                }
            }
        }
        return ids
    }
}
