import Foundation
import Testing
@testable import WhetInference

/// Every supported pre-tokenizer against llama.cpp: the SmolLM2 vocabulary with
/// `tokenizer.ggml.pre` swapped (see Fixtures/tokenizer-reference.py).
@Suite struct TokenizerPreTokenizerTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let pre: String
        let text: String
        let ids: [Int32]
        var testDescription: String { "\(pre): \(text.debugDescription.prefix(50))" }
    }

    private struct Reference: Decodable {
        struct Entry: Decodable { let text: String; let ids: [Int32] }
        let cases: [String: [Entry]]
    }

    static let cases: [Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/tokenizer-pretokenizers.llama-cpp.json")
        guard let data = try? Data(contentsOf: url),
              let ref = try? JSONDecoder().decode(Reference.self, from: data) else {
            return [Case(pre: "fixture missing at \(url.path)", text: "", ids: [-1])]
        }
        return ref.cases.keys.sorted().flatMap { pre in
            ref.cases[pre]!.map { Case(pre: pre, text: $0.text, ids: $0.ids) }
        }
    }()

    /// One tokenizer per pre-tokenizer over the same vocabulary, built once.
    static let tokenizers: Result<[PreTokenizer: BPETokenizer], any Error> = Result {
        let base = try TokenizerTestSupport.tokenizer()
        let gguf = try GGUFFile(url: TokenizerTestSupport.modelURL)
        let merges = try #require(gguf.stringArray("tokenizer.ggml.merges"))
        var out: [PreTokenizer: BPETokenizer] = [:]
        for pre in PreTokenizer.allCases {
            out[pre] = try BPETokenizer(tokens: base.tokens, tokenTypes: base.tokenTypes.map(\.rawValue),
                                        merges: merges, pre: pre, bosID: 1, eosID: 2)
        }
        return out
    }

    @Test(arguments: cases)
    func idsMatchLlamaCpp(_ c: Case) throws {
        let pre = try #require(PreTokenizer(ggufName: c.pre), "unknown pre \(c.pre)")
        let tokenizer = try #require(try Self.tokenizers.get()[pre])
        #expect(tokenizer.encode(c.text, addBOS: false, parseSpecial: true) == c.ids)
        #expect(tokenizer.decode(c.ids) == c.text)
    }

    /// Word boundaries on their own, where the patterns differ visibly.
    @Test(arguments: [
        (PreTokenizer.gpt2, "Hi  there 123!\n\n x", ["Hi", " ", " there", " 123", "!", "\n\n", " x"]),
        (.smollm, "ab 123", ["ab", " ", "1", "2", "3"]),
        (.llamaBPE, "Hi  there 12345!\n\n x", ["Hi", " ", " there", " ", "123", "45", "!\n\n", " x"]),
        (.llamaBPE, "I'LL go\r\n\tnow", ["I", "'LL", " go", "\r\n", "\tnow"]),
        (.qwen2, "x 2024 yz", ["x", " ", "2", "0", "2", "4", " yz"]),
        (.gpt2, "I'LL", ["I", "'", "LL"]),
    ])
    func wordSplits(pre: PreTokenizer, text: String, expected: [String]) {
        let scalars = Array(text.unicodeScalars)
        let codepoints = scalars.map(\.value)
        var words: [Range<Int>] = []
        pre.split(codepoints: codepoints, classes: codepoints.map(CodepointClass.of), into: &words)
        let pieces = words.map { r in String(String.UnicodeScalarView(scalars[r])) }
        #expect(pieces == expected)
        #expect(pieces.joined() == text)
    }

    @Test func unknownPreTokenizerIsAClearError() throws {
        var builder = GGUFBytes()
        builder.metadata = [
            ("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string("made-up")),
            ("tokenizer.ggml.tokens", .array(.string, [.string("a")])),
            ("tokenizer.ggml.merges", .array(.string, [])),
        ]
        let file = try GGUFFile(data: builder.build(), name: "made-up.gguf")
        #expect(throws: TokenizerError.self) { try BPETokenizer(gguf: file) }
        do {
            _ = try BPETokenizer(gguf: file)
        } catch let error as TokenizerError {
            let message = error.localizedDescription
            #expect(message.contains("made-up.gguf") && message.contains("\"made-up\"") && message.contains("smollm"))
        }
    }

    @Test(arguments: [
        ([("tokenizer.ggml.model", GGUFValue.string("llama"))], "tokenizer.ggml.model \"llama\""),
        ([("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string("smollm"))],
         "\"tokenizer.ggml.tokens\" is missing"),
        ([("tokenizer.ggml.model", .uint32(2))], "\"tokenizer.ggml.model\" is not a string"),
        ([("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string("smollm")),
          ("tokenizer.ggml.tokens", .array(.string, [.string("a")])), ("tokenizer.ggml.merges", .array(.string, [])),
          ("tokenizer.ggml.bos_token_id", .uint32(7))], "outside the vocabulary of 1 tokens"),
    ])
    func brokenMetadataIsAClearError(metadata: [(String, GGUFValue)], message: String) throws {
        var builder = GGUFBytes()
        builder.metadata = metadata
        let file = try GGUFFile(data: builder.build(), name: "broken.gguf")
        do {
            _ = try BPETokenizer(gguf: file)
            Issue.record("expected a TokenizerError")
        } catch let error as TokenizerError {
            #expect(error.localizedDescription.contains(message), "\(error.localizedDescription)")
        }
    }
}

/// Metadata-only GGUF bytes for tokenizer error tests.
struct GGUFBytes {
    var metadata: [(String, GGUFValue)] = []

    func build() -> Data {
        var out = [UInt8]("GGUF".utf8)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func string(_ s: String) { put(UInt64(s.utf8.count)); out.append(contentsOf: s.utf8) }
        func value(_ v: GGUFValue) {
            switch v {
            case .string(let s): string(s)
            case .uint32(let x): put(x)
            case .int32(let x): put(x)
            case .bool(let b): put(UInt8(b ? 1 : 0))
            case .array(let type, let values):
                put(type.rawValue)
                put(UInt64(values.count))
                values.forEach(value)
            default: fatalError("GGUFBytes: add \(v.type) when a test needs it")
            }
        }
        put(UInt32(3)); put(UInt64(0)); put(UInt64(metadata.count))
        for (key, v) in metadata { string(key); put(v.type.rawValue); value(v) }
        return Data(out)
    }
}
