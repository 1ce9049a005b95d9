import Testing
@testable import WhetInference

@Suite struct TokenizerStreamingTests {
    static let texts = TokenizerTestSupport.cases.map(\.text) + TokenizerTestSupport.extraRoundTrips

    @Test(arguments: texts)
    func oneByOneEqualsWholeDecode(_ text: String) throws {
        let tokenizer = try TokenizerTestSupport.tokenizer()
        let ids = tokenizer.encode(text, addBOS: false, parseSpecial: true)
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        var streamed = ""
        for id in ids {
            let chunk = decoder.append(id)
            // A chunk never ends in a half character: the source text had none.
            #expect(!chunk.unicodeScalars.contains("\u{FFFD}") || text.unicodeScalars.contains("\u{FFFD}"))
            streamed += chunk
        }
        streamed += decoder.finish()
        #expect(streamed == tokenizer.decode(ids))
        #expect(streamed == text)
    }

    @Test func holdsBackSplitCharacters() {
        // "€" is E2 82 AC; "😀" is F0 9F 98 80. Feed them a byte at a time.
        var decoder = StreamingDecoder(tokenizer: try! TokenizerTestSupport.tokenizer())
        #expect(decoder.append(bytes: [0x41, 0xE2]) == "A")
        #expect(decoder.hasPendingBytes)
        #expect(decoder.append(bytes: [0x82]) == "")
        #expect(decoder.append(bytes: [0xAC, 0xF0, 0x9F]) == "€")
        #expect(decoder.append(bytes: [0x98, 0x80]) == "😀")
        #expect(!decoder.hasPendingBytes)
        #expect(decoder.finish() == "")
    }

    /// Byte sequences that can never complete are emitted (as U+FFFD) at once, exactly
    /// as a whole-buffer decode would replace them.
    @Test(arguments: [
        [UInt8]([0xE2, 0x41]), [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90], [0xF8], [0x80, 0x80],
        [0xE0, 0x80], [0xF0, 0x80], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0x61, 0xE2, 0x82, 0xAC, 0x80],
    ])
    func matchesWholeDecodeOnBrokenBytes(_ bytes: [UInt8]) throws {
        var decoder = StreamingDecoder(tokenizer: try TokenizerTestSupport.tokenizer())
        var streamed = ""
        for b in bytes { streamed += decoder.append(bytes: [b]) }
        streamed += decoder.finish()
        #expect(streamed == String(decoding: bytes, as: UTF8.self))
    }
}
