import Foundation
import Testing
@testable import WhetInference

/// Token ids against llama.cpp on the real SmolLM2 vocabulary.
@Suite struct TokenizerGoldenTests {
    @Test(arguments: TokenizerTestSupport.cases)
    func idsMatchLlamaCpp(_ c: TokenizerTestSupport.Case) throws {
        let tokenizer = try TokenizerTestSupport.tokenizer()
        let ids = tokenizer.encode(c.text, addBOS: false, parseSpecial: true)
        #expect(ids == c.ids)
    }

    @Test(arguments: TokenizerTestSupport.cases.map(\.text) + TokenizerTestSupport.extraRoundTrips)
    func decodeInvertsEncode(_ text: String) throws {
        let tokenizer = try TokenizerTestSupport.tokenizer()
        let ids = tokenizer.encode(text, addBOS: false, parseSpecial: true)
        #expect(tokenizer.decode(ids) == text)
        // Without special parsing the markers become ordinary text, still lossless.
        let plain = tokenizer.encode(text, addBOS: false, parseSpecial: false)
        #expect(tokenizer.decode(plain) == text)
        #expect(!plain.contains { tokenizer.isControl($0) })
    }

    @Test func metadataOfSmolLM2() throws {
        let t = try TokenizerTestSupport.tokenizer()
        #expect(t.vocabSize == 49152)
        #expect(t.preTokenizer == .smollm)
        #expect(t.bosTokenID == 1 && t.eosTokenID == 2)
        #expect(t.addsBOS == false)
        // llama.cpp logs EOG = {0 <|endoftext|>, 2 <|im_end|>, 4 <reponame>} for SmolLM2.
        #expect(t.eogTokenIDs == [0, 2, 4])
        #expect(t.tokenText(1) == "<|im_start|>")
        #expect(t.tokenID("<|im_end|>") == 2)
        #expect(t.tokenText(49152) == nil && t.tokenText(-1) == nil)
    }

    @Test func addBOSPrependsOnlyWhenAsked() throws {
        let t = try TokenizerTestSupport.tokenizer()
        let plain = t.encode("Hello world", addBOS: false, parseSpecial: true)
        #expect(t.encode("Hello world", addBOS: true, parseSpecial: true) == [1] + plain)
        #expect(t.encode("", addBOS: true, parseSpecial: true) == [1])
    }

    @Test func specialTokensNeedParseSpecial() throws {
        let t = try TokenizerTestSupport.tokenizer()
        let text = "<|im_start|>user"
        #expect(t.encode(text, addBOS: false, parseSpecial: true).first == 1)
        let plain = t.encode(text, addBOS: false, parseSpecial: false)
        #expect(plain.count > 2 && !plain.contains(1))
    }

    @Test func plainDecodeHidesControlTokens() throws {
        let t = try TokenizerTestSupport.tokenizer()
        let ids = t.encode("<|im_start|>assistant\nHi!<|im_end|>", addBOS: false, parseSpecial: true)
        #expect(t.decode(ids, renderSpecial: false) == "assistant\nHi!")
    }

    @Test func decodeReplacesBrokenUTF8() throws {
        let t = try TokenizerTestSupport.tokenizer()
        // The first byte token of a 4-byte emoji alone is an incomplete sequence.
        let emoji = t.encode("😀", addBOS: false, parseSpecial: false)
        #expect(emoji.count > 1)
        #expect(t.decode([emoji[0]]) == "\u{FFFD}")
        #expect(t.decode(emoji) == "😀")
    }

    @Test func cachedAndFreshEncodingsAgree() throws {
        let t = try TokenizerTestSupport.tokenizer()
        let text = TokenizerTestSupport.cases.map(\.text).joined(separator: "\n")
        let first = t.encode(text, addBOS: false, parseSpecial: true)
        let second = t.encode(text, addBOS: false, parseSpecial: true)
        #expect(first == second)
        let fresh = try BPETokenizer(tokens: t.tokens, tokenTypes: t.tokenTypes.map(\.rawValue),
                                     merges: [], pre: .smollm)
        #expect(fresh.encode("ab", addBOS: false, parseSpecial: false).count == 2)  // no merges: bytes
    }

    /// One shared instance serves concurrent requests (the word cache is locked).
    @Test func concurrentEncodingMatchesSerial() async throws {
        let t = try TokenizerTestSupport.tokenizer()
        let texts = TokenizerTestSupport.cases.map(\.text) + TokenizerTestSupport.extraRoundTrips
        let serial = texts.map { t.encode($0) }
        let parallel = await withTaskGroup(of: (Int, [Int32]).self) { group in
            for _ in 0..<4 {
                for (i, text) in texts.enumerated() {
                    group.addTask { (i, t.encode(text)) }
                }
            }
            var out: [(Int, [Int32])] = []
            for await r in group { out.append(r) }
            return out
        }
        #expect(parallel.count == texts.count * 4)
        for (i, ids) in parallel { #expect(ids == serial[i]) }
    }
}
