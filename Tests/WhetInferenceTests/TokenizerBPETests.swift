import Testing
@testable import WhetInference

/// BPE mechanics on a hand-made vocabulary, where each expectation follows from the
/// merge ranks alone (no model file needed).
@Suite struct TokenizerBPETests {
    // ids:               0         1          2        3    4    5    6    7     8     9      10    11     12     13
    static let tokens = ["<|end|>", "<tool>", "<x>y", "a", "b", "c", "Ġ", "ab", "bc", "abc", "aa", "cca", "<x>", "ba"]
    static let types = [3, 4, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1]
    static let merges = [
        "b c",   // rank 0: beats "a b" in "abc"
        "a b",   // rank 1
        "a bc",  // rank 2
        "a a",   // rank 3
        "c c",   // rank 4: "cc" is not in the vocabulary (a virtual symbol)
        "cc a",  // rank 5
    ]

    static func tokenizer(_ pre: PreTokenizer = .gpt2) throws -> BPETokenizer {
        try BPETokenizer(tokens: tokens, tokenTypes: types, merges: merges, pre: pre, bosID: 0, eosID: 0)
    }

    @Test(arguments: [
        ("abc", [Int32(9)]),     // b+c first (rank 0), then a+bc
        ("ab", [7]),
        ("aaa", [10, 3]),        // equal ranks: the leftmost pair merges first
        ("aaaa", [10, 10]),
        ("cca", [11]),           // through the virtual "cc"
        ("cc", [5, 5]),          // a virtual result falls back to its bytes
        ("a b", [3, 6, 4]),      // "Ġb" is not a token: byte symbols
        ("ba", [4, 3]),          // in the vocabulary, but no merge builds it
    ])
    func mergesByRankThenLeftmost(text: String, expected: [Int32]) throws {
        let t = try Self.tokenizer()
        #expect(t.encode(text, addBOS: false, parseSpecial: false) == expected)
        #expect(t.decode(expected) == text)
    }

    @Test func specialTokensLongestFirstAndUserDefinedAlways() throws {
        let t = try Self.tokenizer()
        #expect(t.encode("<x>y", addBOS: false, parseSpecial: true) == [2])
        #expect(t.encode("<x>a", addBOS: false, parseSpecial: true) == [12, 3])
        #expect(t.encode("a<|end|>b", addBOS: false, parseSpecial: true) == [3, 0, 4])
        #expect(t.encode("a<tool>b", addBOS: false, parseSpecial: false) == [3, 1, 4])
        #expect(!t.encode("a<|end|>", addBOS: false, parseSpecial: false).contains(0))
        #expect(t.encode("<|end|><|end|>", addBOS: true, parseSpecial: true) == [0, 0, 0])
    }

    @Test func endOfGenerationFromTextAndIDs() throws {
        let t = try Self.tokenizer()
        #expect(t.eogTokenIDs == [0])  // "<|end|>" by text, also the EOS id
        #expect(t.isEndOfGeneration(0) && !t.isEndOfGeneration(1))
    }

    @Test func ignoreMergesTakesWholeVocabularyWords() throws {
        // Llama 3 looks a whole word up before merging, so "ba" (which no merge
        // builds) is one token there and two bytes under GPT-2 rules.
        let t = try Self.tokenizer(.llamaBPE)
        #expect(t.encode("ba cca", addBOS: false, parseSpecial: false) == [13, 6, 11])
        #expect(try Self.tokenizer(.gpt2).encode("ba", addBOS: false, parseSpecial: false) == [4, 3])
        #expect(t.addsBOS)
    }

    @Test func badInputsThrow() {
        #expect(throws: TokenizerError.self) {
            try BPETokenizer(tokens: [], tokenTypes: [], merges: [], pre: .gpt2)
        }
        #expect(throws: TokenizerError.self) {
            try BPETokenizer(tokens: ["a"], tokenTypes: [1, 1], merges: [], pre: .gpt2)
        }
        #expect(throws: TokenizerError.self) {
            try BPETokenizer(tokens: ["a"], tokenTypes: [1], merges: [], pre: .gpt2, eosID: 5)
        }
    }
}
