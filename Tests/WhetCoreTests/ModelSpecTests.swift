import Foundation
import Testing
import WhetCore

/// The one model-spec grammar: strings and YAML mappings, as task files, `--model` and the
/// configuration read them.
struct ModelSpecTests {
    static let base = URL(fileURLWithPath: "/base")

    @Test(arguments: [
        ("default", ModelSpec.embeddedDefault),
        ("local", .embeddedDefault),
        ("models/x.gguf", .local(path: "/base/models/x.gguf")),
        ("/abs/y.gguf", .local(path: "/abs/y.gguf")),
        ("openai:gpt-4o-mini", .endpoint(.init(baseURLs: ["https://api.openai.com/v1"], model: "gpt-4o-mini", apiKeyEnv: "OPENAI_API_KEY"))),
        ("ollama:llama3.2", .endpoint(.init(baseURLs: ["http://127.0.0.1:11434/v1"], model: "llama3.2", supportsLogprobs: false))),
        ("http://h:1/v1#m", .endpoint(.init(baseURLs: ["http://h:1/v1"], model: "m"))),
        ("http://h:1/v1#org/m?api_key_env=KEY&logprobs=false",
         .endpoint(.init(baseURLs: ["http://h:1/v1"], model: "org/m", apiKeyEnv: "KEY", supportsLogprobs: false))),
        ("openai:gpt-4o?api_key_env=OTHER", .endpoint(.init(baseURLs: ["https://api.openai.com/v1"], model: "gpt-4o", apiKeyEnv: "OTHER"))),
        ("qwen-fleet", .named("qwen-fleet")),
    ])
    func stringForms(_ text: String, _ expected: ModelSpec) throws {
        #expect(try ModelSpec.parse(text, relativeTo: Self.base) == expected)
        // The same string as a YAML value means the same model.
        let node = try #require(try YAMLNode.parse("model: \"\(text)\"", file: "f.yaml").optional("model"))
        #expect(try ModelSpec.parse(node, relativeTo: Self.base) == expected)
    }

    @Test(arguments: ["", "http://127.0.0.1:8080/v1", "http:///v1#m", "gopher:thing", "openai:", "a b",
                      "http://h/v1#m?colour=blue", "local?api_key_env=X", "http://h/v1#m?logprobs=maybe"])
    func badStringsAreRefusedWithAReason(_ text: String) {
        #expect(throws: ModelSpecError.self) { try ModelSpec.parse(text) }
    }

    @Test func theMappingFormMeansTheSameAsTheString() throws {
        let yaml = """
            model:
              base_url: http://h:1/v1
              model: m
              api_key_env: KEY
            """
        let node = try #require(try YAMLNode.parse(yaml, file: "f.yaml").optional("model"))
        #expect(try ModelSpec.parse(node, relativeTo: Self.base) == ModelSpec.parse("http://h:1/v1#m?api_key_env=KEY"))
        let local = try #require(try YAMLNode.parse("model: {path: m.gguf}", file: "f.yaml").optional("model"))
        #expect(try ModelSpec.parse(local, relativeTo: Self.base) == .local(path: "/base/m.gguf"))
    }

    @Test func aBadMappingNamesTheFieldAndLine() throws {
        let yaml = "name: x\nmodel:\n  base_url: ftp://h/v1\n  model: m\n"
        let node = try #require(try YAMLNode.parse(yaml, file: "t.yaml").optional("model"))
        #expect {
            try ModelSpec.parse(node, relativeTo: Self.base)
        } throws: { error in
            let e = error as? FileFormatError
            return e?.field == "model.base_url" && e?.line == 3 && e?.file == "t.yaml"
        }
    }
}
