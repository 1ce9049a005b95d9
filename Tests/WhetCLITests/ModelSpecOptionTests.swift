import ArgumentParser
import Foundation
import Testing
import WhetCore
@testable import WhetCLI

/// One model-spec grammar: the same string means the same model in a task file and in `--model`.
struct ModelSpecOptionTests {
    static let task = """
        name: t
        instruction: Say the label.
        template: "Text: {input}"
        metric: exact_match
        model: "%@"
        data:
          answer: label
          examples: [{input: a, label: x}, {input: b, label: y}, {input: c, label: z}]
        """

    @Test(arguments: [
        "http://127.0.0.1:9/v1#served?api_key_env=SERVED_KEY",
        "openai:gpt-4o-mini",
        "ollama:llama3.2",
        "/models/other.gguf",
        "default",
        "fleet",
    ])
    func aTaskFileAndModelParseTheSameSpec(_ text: String) throws {
        let fromTask = try TaskFileParser.parse(String(format: Self.task, text), path: "/work/t.yaml").model
        let fromOption = try ModelOptions.parse(["--model", text]).spec(default: nil)
        #expect(fromTask == fromOption)
        if text.contains("api_key_env"), case .endpoint(let endpoint) = fromTask {
            #expect(endpoint.apiKeyEnv == "SERVED_KEY")
        }
    }

    @Test func aBadSpecIsAClearErrorWithExit2() async throws {
        let r = await InProcess.run(["eval", repoPath("tasks/sentiment.yaml"), "--model", "gopher:thing", "--db",
                                     FileManager.default.temporaryDirectory.appendingPathComponent("whet-\(UUID()).sqlite").path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("model 'gopher:thing': unknown prefix 'gopher:'"), "\(r.stderr)")
    }
}
