import Foundation
import Testing
import WhetCore
import WhetEvaluation
@testable import WhetJudging

/// `whet compare`'s runner renders a `compress:` task's fields compressed, for instruction prompts
/// (input and exemplars) and user-turn templates alike.
struct CompressedRunnerTests {
    static let yaml: String = {
        let filler = "The committee met in the old hall and discussed the budget, the roads and the school at length. "
            + "Several members spoke about the weather, which had been unusually wet for the season. "
        let rows = [("Anna", "Oslo"), ("Ben", "Lima"), ("Cora", "Bern"), ("Dev", "Rome"), ("Eli", "Kyiv")].map { name, city in
            "    - {context: \"\(filler)\(name) was born in \(city). \(filler)\", question: \"Where was \(name) born?\", output: \(city)}"
        }.joined(separator: "\n")
        return """
            name: qa
            instruction: Answer with the city only.
            template: "{context}\\nQuestion: {question}\\nAnswer:"
            metric: contains
            max_tokens: 6
            compress: {fields: [context], rate: 0.4, question_field: question}
            data:
              answer: output
              examples:
            \(rows)
            """
    }()

    @Test func runnerCompressesWhatTheModelSees() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("whet-cmp-\(UUID().uuidString).yaml").path
        try Self.yaml.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let task = try TaskFileParser.load(path)
        let compression = try #require(try ExampleCompressor.forTask(task))
        let examples = Array(task.data.all.prefix(2)), exemplar = task.data.all[4]
        let prompts = [
            ComparedPrompt(name: "a", source: "a", body: .instruction(PromptCandidate(instruction: task.instruction, exemplars: [exemplar]))),
            ComparedPrompt(name: "b", source: "b", body: .userTemplate(task.template)),
        ]
        let plain = PromptRunner(task: task, provider: LocalJudgeTests.provider, parallelism: 2)
        let compressed = PromptRunner(task: task, provider: LocalJudgeTests.provider, parallelism: 2, compression: compression)
        for prompt in prompts {
            let full = try await plain.outputs(prompt, on: examples)
            let short = try await compressed.outputs(prompt, on: examples)
            for (k, example) in examples.enumerated() {
                var expected = try compression.apply(example).tally
                if case .instruction = prompt.body { expected += try compression.apply(exemplar).tally }
                #expect(short[k].compression == expected && expected.tokensSaved > 0)
                #expect(full[k].compression == CompressionTally())
                // The model read fewer tokens: the saving shows in the prompt it was sent.
                #expect(short[k].usage.promptTokens < full[k].usage.promptTokens - expected.tokensSaved / 2,
                        "\(prompt.name): \(short[k].usage.promptTokens) vs \(full[k].usage.promptTokens)")
            }
        }
        #expect(compression.distinct.values == 3)
    }
}
