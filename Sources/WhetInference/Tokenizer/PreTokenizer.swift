/// How text is cut into words before BPE, by `tokenizer.ggml.pre`. Each variant
/// reproduces llama.cpp's splitter for that name (the hand-written versions of the
/// regexes in `unicode.cpp`), so ids match llama.cpp rather than an approximation.
public enum PreTokenizer: String, Sendable, CaseIterable {
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    case gpt2
    /// SmolLM / StarCoder: every \p{N} on its own, then the GPT-2 pattern inside each piece.
    case smollm
    /// Llama 3: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
    /// ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`; whole words found in the
    /// vocabulary skip merging (`ignore_merges`).
    case llamaBPE = "llama-bpe"
    /// Qwen 2: the Llama 3 pattern with single digits (\p{N} instead of \p{N}{1,3}).
    case qwen2

    /// llama.cpp's aliases that share one of these splitters.
    static let aliases: [String: PreTokenizer] = [
        "gpt2": .gpt2, "gpt-2": .gpt2, "phi-2": .gpt2, "mpt": .gpt2, "olmo": .gpt2, "jais": .gpt2,
        "smollm": .smollm, "starcoder": .smollm, "refact": .smollm, "command-r": .smollm,
        "codeshell": .smollm, "exaone": .smollm, "minerva-7b": .smollm,
        "llama-bpe": .llamaBPE, "llama3": .llamaBPE, "llama-v3": .llamaBPE, "falcon3": .llamaBPE,
        "dbrx": .llamaBPE, "smaug-bpe": .llamaBPE,
        "qwen2": .qwen2, "deepseek-r1-qwen": .qwen2, "megrez": .qwen2, "stablelm2": .qwen2,
    ]

    /// Resolves a `tokenizer.ggml.pre` value; nil when unsupported (the caller reports it).
    public init?(ggufName: String) {
        guard let known = Self.aliases[ggufName] else { return nil }
        self = known
    }

    /// Whole vocabulary words bypass merges (llama.cpp `ignore_merges`).
    var ignoresMerges: Bool { self == .llamaBPE }

    /// llama.cpp's default for `add_bos` when the file does not say.
    var addsBOSByDefault: Bool { self == .llamaBPE }

    /// Appends word boundaries (as code-point index ranges) of `codepoints[range]`.
    func split(codepoints: [UInt32], classes: [UInt8], into words: inout [Range<Int>]) {
        let all = 0..<codepoints.count
        switch self {
        case .gpt2:
            WordSplitter.gpt2(codepoints, classes, all, &words)
        case .smollm:
            // The first regex (\p{N}) isolates every number code point; the GPT-2
            // pattern then runs inside each remaining stretch, whose ends act as
            // text boundaries for its look-aheads.
            var start = 0
            for i in all where classes[i] & CodepointClass.number != 0 {
                if start < i { WordSplitter.gpt2(codepoints, classes, start..<i, &words) }
                words.append(i..<(i + 1))
                start = i + 1
            }
            if start < codepoints.count { WordSplitter.gpt2(codepoints, classes, start..<codepoints.count, &words) }
        case .llamaBPE:
            WordSplitter.llama3(codepoints, classes, all, maxDigits: 3, &words)
        case .qwen2:
            WordSplitter.llama3(codepoints, classes, all, maxDigits: 1, &words)
        }
    }
}
