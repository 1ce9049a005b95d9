import Foundation
import Testing
import WhetCore
import WhetEvaluation
@testable import WhetCLI

/// The task file's `compress:` option end to end: `whet validate` shows and checks it, the shared
/// evaluation path compresses each field value once, keeps the answer, and `whet eval` reports the
/// tokens saved. Real models throughout.
@Suite(.serialized) struct TaskCompressionRunTests {
    static let task = repoPath("tasks/nq_long.yaml")

    @Test func validateShowsTheOptionAndRejectsABadOne() async throws {
        let ok = await InProcess.run(["validate", Self.task])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("compress context at 0.33 for question"), "\(ok.stdout)")

        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try String(contentsOfFile: Self.task, encoding: .utf8)
            .replacingOccurrences(of: "  rate: 0.33", with: "  rate: 1.5")
            .replacingOccurrences(of: "path: data/", with: "path: \(repoPath("tasks/data"))/")
        let bad = dir.appendingPathComponent("bad.yaml").path
        try text.write(toFile: bad, atomically: true, encoding: .utf8)
        let line = text.components(separatedBy: "\n").firstIndex { $0.hasPrefix("  rate:") }! + 1
        let result = await InProcess.run(["validate", bad])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(bad):\(line): compress.rate: expected a number in (0, 1]"), "\(result.stderr)")
    }

    @Test func compressesEachValueOnceAndKeepsTheAnswer() throws {
        let task = try TaskFileParser.load(Self.task)
        let compression = try #require(try ExampleCompressor.forTask(task))
        let examples = Array(task.data.test.prefix(4))
        try compression.prepare(examples)
        #expect(compression.distinct.values == examples.count)
        var survived = 0
        for example in examples {
            let (shown, tally) = try compression.apply(example)
            let original = try #require(example.fields["context"]), compressed = try #require(shown.fields["context"])
            #expect(shown.fields["question"] == example.fields["question"], "the question is never compressed")
            #expect(tally.originalTokens == compression.compressor.countTokens(original))
            #expect(tally.compressedTokens == compression.compressor.countTokens(compressed))
            #expect(tally.tokensSaved > 0 && abs(tally.rate / 0.33 - 1) <= 0.1, "\(example.id): rate \(tally.rate)")
            if compressed.contains(try #require(example.answer)) { survived += 1 }
        }
        #expect(survived >= examples.count - 1, "answers kept in \(survived) of \(examples.count)")
        // Cached: the same text again, nothing recompressed; exemplars are compressed the same way.
        let again = try compression.apply(examples[0])
        #expect(again.example.fields["context"] == (try compression.apply(examples[0])).example.fields["context"])
        let candidate = PromptCandidate(instruction: "Answer.", exemplars: [examples[1]])
        let shown = try compression.apply(candidate)
        #expect(shown.candidate.exemplars[0].fields == (try compression.apply(examples[1])).example.fields)
        #expect(shown.tally.tokensSaved > 0)
        #expect(compression.distinct.values == examples.count)
    }

    @Test func evalReportsTheTokensSaved() async throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("l.sqlite").path
        let json = await InProcess.run(["eval", Self.task, "--limit", "2", "--db", db, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let report = try #require(doc["report"] as? [String: Any])
        let tally = try #require(report["compression"] as? [String: Any])
        let before = try #require(tally["originalTokens"] as? Int), after = try #require(tally["compressedTokens"] as? Int)
        #expect(before > 1000 && after < before / 2, "\(tally)")
        #expect(tally["tokensSaved"] as? Int == before - after)
        // The prompts the model saw were the compressed ones: fewer prompt tokens than the contexts had.
        #expect(try #require(report["promptTokens"] as? Int) < before)

        let text = await InProcess.run(["eval", Self.task, "--limit", "2", "--db", db])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("compress context at 0.33: \(before) -> \(after) tokens (saved \(before - after)"), "\(text.stdout)")
    }
}
