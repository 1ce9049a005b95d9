import Foundation
import Testing
@testable import WhetInference

/// The llama.cpp reference strings and ids, and the real SmolLM2 tokenizer, loaded
/// once for every tokenizer test. A missing model is a failure, not a skip: CI runs
/// `scripts/setup` first.
enum TokenizerTestSupport {
    struct Case: Sendable, CustomTestStringConvertible {
        let label: String
        let text: String
        let ids: [Int32]
        var testDescription: String { "\(label): \(text.debugDescription.prefix(60))" }
    }

    private struct Reference: Decodable {
        struct Tokenize: Decodable { let text: String; let ids: [Int32] }
        struct Prompted: Decodable { let prompt: String; let prompt_ids: [Int32] }
        struct Scored: Decodable { let text: String; let ids: [Int32] }
        let tokenize: [Tokenize]
        let greedy: [Prompted]
        let next_token: [Prompted]
        let nll: [Scored]
    }

    static let fixtureURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/smollm2-135m-instruct-q4_1.llama-cpp.json")

    /// Every (text, ids) pair llama.cpp produced: `tokenize` entries and the prompts
    /// of the generation and scoring entries.
    static let cases: [Case] = {
        guard let data = try? Data(contentsOf: fixtureURL),
              let ref = try? JSONDecoder().decode(Reference.self, from: data) else {
            return [Case(label: "fixture missing at \(fixtureURL.path)", text: "", ids: [-1])]
        }
        return ref.tokenize.enumerated().map { Case(label: "tokenize[\($0.offset)]", text: $0.element.text, ids: $0.element.ids) }
            + ref.greedy.enumerated().map { Case(label: "greedy[\($0.offset)]", text: $0.element.prompt, ids: $0.element.prompt_ids) }
            + ref.next_token.enumerated().map { Case(label: "next_token[\($0.offset)]", text: $0.element.prompt, ids: $0.element.prompt_ids) }
            + ref.nll.enumerated().map { Case(label: "nll[\($0.offset)]", text: $0.element.text, ids: $0.element.ids) }
    }()

    /// Strings beyond the fixture that must survive encode -> decode unchanged.
    static let extraRoundTrips: [String] = [
        "👩‍👩‍👧‍👦 family, 🇯🇵 flag, 👍🏽 thumbs",
        "漢字かなカナ한글 混合テキスト。",
        "e\u{301} combining acute, a\u{308}\u{323} stacked, Z\u{35C}\u{361}a\u{300}\u{317}lgo",
        "\u{FFFD} replacement, \u{200B} zero width, \u{FEFF} BOM, \u{0} nul, \u{1F} unit sep",
        "<|im_start|<|im_end|> <|im_start|>x<|im_end|><|endoftext|>",
        "'s 'S 'll 'LL can't WON'T",
        "\r\n\r\n  \t \u{85}\u{A0}\u{3000} mixed whitespace \n",
        "1234567890 ١٢٣ ⅫⅦ ½ ²",
        String(repeating: " ", count: 300) + "x",
        "",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math 𝟙𝟚𝟛 and U+10FFFF \u{10FFFF}",
    ]

    /// `WHET_MODELS_DIR`, else the checkout's `models/` (found from this file, so the
    /// tests do not depend on the working directory).
    static var modelURL: URL {
        let name = "SmolLM2-135M-Instruct.Q4_1.gguf"
        if let dir = ProcessInfo.processInfo.environment["WHET_MODELS_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir).appendingPathComponent(name)
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("models").appendingPathComponent(name)
    }

    static let loaded: Result<BPETokenizer, any Error> = Result {
        try BPETokenizer(gguf: try GGUFFile(url: modelURL))
    }

    static func tokenizer() throws -> BPETokenizer { try loaded.get() }
}
