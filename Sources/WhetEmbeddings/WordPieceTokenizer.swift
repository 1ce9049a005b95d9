import Foundation

/// BERT's WordPiece tokenizer, built from a Hugging Face `tokenizer.json` (or a plain `vocab.txt`):
/// special tokens are matched in the raw text first, the rest is normalised, split into words
/// and each word greedily cut into the longest vocabulary pieces (`##` marks a continuation).
public struct WordPieceTokenizer: Sendable {
    public let normalizer: BertNormalizer
    public let vocabularySize: Int
    public let unknownID: Int32
    public let classID: Int32
    public let separatorID: Int32
    public let paddingID: Int32
    public let maxInputCharsPerWord: Int
    public let continuingPrefix: String
    /// Keyed by UTF-8 bytes: Swift `String` equality is canonical equivalence, the Rust
    /// tokenizer compares code points, and an NFC/NFD look-alike must not match.
    private let vocabulary: [[UInt8]: Int32]
    private let pieces: [String]
    private let specialTokens: [(scalars: [Unicode.Scalar], id: Int32)]

    /// Reads `tokenizer.json` from the directory when present, else `vocab.txt` with BERT defaults.
    public init(directory: URL) throws {
        let json = directory.appendingPathComponent("tokenizer.json")
        if FileManager.default.fileExists(atPath: json.path) {
            try self.init(tokenizerJSON: json)
        } else {
            try self.init(vocabTxt: directory.appendingPathComponent("vocab.txt"))
        }
    }

    public init(tokenizerJSON url: URL) throws {
        let path = url.path
        guard let data = FileManager.default.contents(atPath: path) else { throw EmbeddingError.fileMissing(path: path) }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let model = root["model"] as? [String: Any],
              let vocab = model["vocab"] as? [String: NSNumber]
        else { throw EmbeddingError.malformedTokenizer(path: path, reason: "expected a JSON object with model.vocab") }
        if let type = model["type"] as? String, type != "WordPiece" {
            throw EmbeddingError.malformedTokenizer(path: path, reason: "model.type is \(type), expected WordPiece")
        }
        var normalizer = BertNormalizer()
        if let n = root["normalizer"] as? [String: Any] {
            if let type = n["type"] as? String, type != "BertNormalizer" {
                throw EmbeddingError.malformedTokenizer(path: path, reason: "normalizer.type is \(type), expected BertNormalizer")
            }
            normalizer.cleanText = n["clean_text"] as? Bool ?? true
            normalizer.handleChineseChars = n["handle_chinese_chars"] as? Bool ?? true
            normalizer.stripAccents = n["strip_accents"] as? Bool
            normalizer.lowercase = n["lowercase"] as? Bool ?? true
        }
        var specials: [(String, Int32)] = []
        for token in root["added_tokens"] as? [[String: Any]] ?? [] {
            if let content = token["content"] as? String, let id = (token["id"] as? NSNumber)?.int32Value {
                specials.append((content, id))
            }
        }
        try self.init(
            path: path, vocab: vocab.mapValues(\.int32Value), normalizer: normalizer,
            unknownToken: model["unk_token"] as? String ?? "[UNK]",
            continuingPrefix: model["continuing_subword_prefix"] as? String ?? "##",
            maxInputCharsPerWord: (model["max_input_chars_per_word"] as? NSNumber)?.intValue ?? 100,
            specialTokens: specials)
    }

    public init(vocabTxt url: URL) throws {
        let path = url.path
        guard let data = FileManager.default.contents(atPath: path) else { throw EmbeddingError.fileMissing(path: path) }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        var vocab: [String: Int32] = [:]
        for (i, line) in lines.enumerated() where !line.isEmpty {
            vocab[String(line.hasSuffix("\r") ? line.dropLast() : line)] = Int32(i)
        }
        let specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].compactMap { t in vocab[t].map { (t, $0) } }
        try self.init(path: path, vocab: vocab, normalizer: BertNormalizer(), unknownToken: "[UNK]",
                      continuingPrefix: "##", maxInputCharsPerWord: 100, specialTokens: specials)
    }

    private init(path: String, vocab: [String: Int32], normalizer: BertNormalizer, unknownToken: String,
                 continuingPrefix: String, maxInputCharsPerWord: Int, specialTokens: [(String, Int32)]) throws {
        var byBytes: [[UInt8]: Int32] = [:]
        byBytes.reserveCapacity(vocab.count)
        var maxID: Int32 = -1
        for (token, id) in vocab {
            byBytes[Array(token.utf8)] = id
            maxID = max(maxID, id)
        }
        var pieces = [String](repeating: "", count: Int(maxID) + 1)
        for (token, id) in vocab where id >= 0 { pieces[Int(id)] = token }
        func id(_ token: String) throws -> Int32 {
            guard let id = byBytes[Array(token.utf8)] else {
                throw EmbeddingError.malformedTokenizer(path: path, reason: "vocabulary has no '\(token)'")
            }
            return id
        }
        self.normalizer = normalizer
        self.vocabulary = byBytes
        self.pieces = pieces
        self.vocabularySize = pieces.count
        self.unknownID = try id(unknownToken)
        self.classID = try id("[CLS]")
        self.separatorID = try id("[SEP]")
        self.paddingID = (try? id("[PAD]")) ?? 0
        self.continuingPrefix = continuingPrefix
        self.maxInputCharsPerWord = maxInputCharsPerWord
        // Longest first, so that a special token that prefixes another cannot shadow it.
        self.specialTokens = specialTokens
            .map { (scalars: Array($0.0.unicodeScalars), id: $0.1) }
            .filter { !$0.scalars.isEmpty }
            .sorted { $0.scalars.count > $1.scalars.count }
    }

    /// The vocabulary piece for an id (for debugging and tests).
    public func piece(for id: Int32) -> String? {
        id >= 0 && Int(id) < pieces.count ? pieces[Int(id)] : nil
    }

    /// Word pieces of the text, without `[CLS]`/`[SEP]` and without truncation.
    public func tokenize(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        let raw = Array(text.unicodeScalars)
        var segmentStart = 0
        var i = 0
        while i < raw.count {
            if let special = specialTokens.first(where: { matches($0.scalars, in: raw, at: i) }) {
                appendWords(of: raw[segmentStart..<i], to: &ids)
                ids.append(special.id)
                i += special.scalars.count
                segmentStart = i
            } else {
                i += 1
            }
        }
        appendWords(of: raw[segmentStart..<raw.count], to: &ids)
        return ids
    }

    /// `[CLS] pieces [SEP]`, the pieces cut so the whole fits in `maxLength` (as `tokenizers` truncates).
    public func encode(_ text: String, maxLength: Int? = nil) -> [Int32] {
        var pieces = tokenize(text)
        if let maxLength { pieces = Array(pieces.prefix(max(0, maxLength - 2))) }
        return [classID] + pieces + [separatorID]
    }

    /// Overlapping windows covering the whole text, each `[CLS] ... [SEP]` and at most `maxLength`
    /// long; consecutive windows share `overlap` pieces so no sentence is cut without context.
    public func encodeWindows(_ text: String, maxLength: Int, overlap: Int) -> [[Int32]] {
        let pieces = tokenize(text)
        let width = max(1, maxLength - 2)
        guard pieces.count > width else { return [[classID] + pieces + [separatorID]] }
        let step = max(1, width - min(max(0, overlap), width - 1))
        var windows: [[Int32]] = []
        var start = 0
        while true {
            let end = min(pieces.count, start + width)
            windows.append([classID] + pieces[start..<end] + [separatorID])
            if end == pieces.count { break }
            start += step
        }
        return windows
    }

    private func matches(_ needle: [Unicode.Scalar], in haystack: [Unicode.Scalar], at index: Int) -> Bool {
        guard index + needle.count <= haystack.count, haystack[index] == needle[0] else { return false }
        for k in 1..<needle.count where haystack[index + k] != needle[k] { return false }
        return true
    }

    private func appendWords(of segment: ArraySlice<Unicode.Scalar>, to ids: inout [Int32]) {
        guard !segment.isEmpty else { return }
        let normalized = normalizer.normalize(String(String.UnicodeScalarView(segment)))
        for word in normalizer.preTokenize(normalized) {
            appendPieces(of: word, to: &ids)
        }
    }

    /// Greedy longest-match-first; a word with any unmatchable remainder becomes one `[UNK]`.
    private func appendPieces(of word: ArraySlice<Unicode.Scalar>, to ids: inout [Int32]) {
        if word.count > maxInputCharsPerWord { ids.append(unknownID); return }
        let chars = Array(word)
        // UTF-8 offsets of each scalar, so candidate pieces are byte slices of one buffer.
        var utf8: [UInt8] = []
        var offsets = [0]
        for scalar in chars {
            utf8.append(contentsOf: UTF8.encode(scalar)!)
            offsets.append(utf8.count)
        }
        let prefix = Array(continuingPrefix.utf8)
        var found: [Int32] = []
        var start = 0
        while start < chars.count {
            var end = chars.count
            var match: Int32? = nil
            while start < end {
                let body = utf8[offsets[start]..<offsets[end]]
                let key = start > 0 ? prefix + body : Array(body)
                if let id = vocabulary[key] { match = id; break }
                end -= 1
            }
            guard let id = match else { ids.append(unknownID); return }
            found.append(id)
            start = end
        }
        ids.append(contentsOf: found)
    }
}

extension String.UnicodeScalarView {
    init<S: Sequence>(_ scalars: S) where S.Element == Unicode.Scalar {
        self.init()
        append(contentsOf: scalars)
    }
}
