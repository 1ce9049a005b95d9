import Foundation
import Testing
import WhetCore
import WhetEvaluation
@testable import WhetOptimizer
import WhetProviders

/// The optimizer's scorer renders a `compress:` task's fields compressed (input and exemplars),
/// compresses each value once, and counts the tokens saved.
struct CompressedScoringTests {
    /// Six questions over ~150-token passages, compressed to 40%.
    static func task(in dir: URL) throws -> String {
        let filler = "The committee met in the old hall and discussed the budget, the roads and the school at length. "
            + "Several members spoke about the weather, which had been unusually wet for the season. "
        let facts = [("Anna", "Oslo"), ("Ben", "Lima"), ("Cora", "Bern"), ("Dev", "Rome"), ("Eli", "Kyiv"), ("Fay", "Doha")]
        let rows = facts.map { name, city in
            "    - {context: \"\(filler)\(name) was born in \(city). \(filler)\", question: \"Where was \(name) born?\", output: \(city)}"
        }.joined(separator: "\n")
        let path = dir.appendingPathComponent("qa.yaml").path
        try """
            name: qa
            instruction: Answer with the city only.
            template: "{context}\\nQuestion: {question}\\nAnswer:"
            metric: contains
            max_tokens: 6
            compress: {fields: [context], rate: 0.4, question_field: question}
            splits: {train: 0.34, dev: 0.33, test: 0.33, seed: 1}
            data:
              answer: output
              examples:
            \(rows)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func scorerSendsCompressedFieldsOnceCompressed() async throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let task = try TaskFileParser.load(try Self.task(in: dir))
        let compression = try #require(try ExampleCompressor.forTask(task))
        let recording = RecordingProvider(LocalProvider(backend: try Shared.backend.get()))
        let scorer = CandidateScorer(task: task, provider: recording, parallelism: 2, compression: compression)
        let exemplar = task.data.train[0]
        var candidate = Candidate.seed(for: task)
        candidate.exemplars = [Exemplar(id: exemplar.id, fields: exemplar.fields, answer: exemplar.answer ?? "")]
        let examples = task.data.dev + task.data.test

        _ = try await scorer.score(candidate, on: examples)
        #expect(recording.calls == examples.count)
        #expect(compression.distinct.values == examples.count + 1)
        var expected = CompressionTally()
        let shownExemplar = try compression.apply(exemplar).example.fields["context"]!
        for example in examples {
            let (shown, tally) = try compression.apply(example)
            expected += tally + (try compression.apply(exemplar)).tally
            let sent = try #require(recording.texts.first { $0.contains(example.fields["question"]!) })
            #expect(sent.contains(shown.fields["context"]!) && !sent.contains(example.fields["context"]!))
            #expect(sent.contains(shownExemplar) && !sent.contains(exemplar.fields["context"]!))
        }
        #expect(expected.tokensSaved > 0)
        #expect(scorer.compressionTally == expected)

        // Scoring again reuses the compressed values (no new ones) and counts the prompts again.
        _ = try await scorer.score(candidate, on: examples)
        #expect(compression.distinct.values == examples.count + 1)
        #expect(scorer.compressionTally == expected + expected)
    }
}
