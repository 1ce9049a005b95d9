import Foundation
import Testing
@testable import WhetCore

/// Judge files: signals verdicts with weights, rubrics, reasons, and the errors each gets wrong.
struct JudgeFileFormatTests {
    @Test func signalsJudgeParses() throws {
        let j = try JudgeFile.parse("""
            name: local
            mode: pairwise
            verdict:
              type: signals
              clip_tokens: 128
              weights: {relevance: 0.5, log_words: 0.7, violation: -1.2}
              fit: "logistic regression"
            """, path: "j.yaml")
        guard case .signals(let w) = j.verdict else { Issue.record("expected signals"); return }
        #expect(w.weights.map(\.name) == [.relevance, .logWords, .violation] && w.weights.map(\.weight) == [0.5, 0.7, -1.2])
        #expect(w.clipTokens == 128 && w.tieMargin == 0 && w.fit == "logistic regression")
        #expect(j.bothOrders && j.template.fields.isEmpty)
    }

    @Test func rubricAndReasonsParse() throws {
        let j = try JudgeFile.parse("""
            name: r
            mode: pairwise
            rubric:
              - {name: accuracy, weight: 2, description: right facts}
              - {name: style}
            template: "{criterion}: {criterion_description} {output_a} {output_b}"
            verdict: {type: choice, labels: {a: ["1"], b: ["2"], tie: ["Tie"]}, tie_margin: 0.1}
            reason_tokens: 32
            """, path: "j.yaml")
        #expect(j.rubric.map(\.name) == ["accuracy", "style"] && j.rubric.map(\.weight) == [2, 1])
        #expect(j.reasonTokens == 32)
        guard case .choice(_, let margin) = j.verdict else { Issue.record("expected choice"); return }
        #expect(margin == 0.1)
    }

    struct Bad: Sendable, CustomStringConvertible {
        let yaml: String
        let field: String
        let says: String
        var description: String { "\(field): \(says)" }
    }

    static let bad: [Bad] = [
        Bad(yaml: "name: j\nmode: pairwise\ntemplate: \"{output_a} {output_b}\"\n", field: "verdict", says: "no verdict format"),
        Bad(yaml: "name: j\nmode: pairwise\nverdict: {type: signals, weights: {relevence: 1}}\n", field: "verdict.weights.relevence",
            says: "unknown signal 'relevence'"),
        Bad(yaml: "name: j\nmode: pairwise\nverdict: {type: signals}\n", field: "verdict.weights", says: "missing"),
        Bad(yaml: "name: j\nmode: pairwise\nverdict: {type: signals, weights: {relevance: high}}\n", field: "verdict.weights.relevance",
            says: "expected a number"),
        Bad(yaml: "name: j\nmode: pairwise\ntemplate: x\nverdict: {type: signals, weights: {relevance: 1}}\n", field: "template",
            says: "asks no prompt"),
        Bad(yaml: "name: j\nmode: pointwise\nverdict: {type: signals, weights: {relevance: 1}}\n", field: "verdict.type",
            says: "needs mode: pairwise"),
        Bad(yaml: "name: j\nmode: pairwise\nverdict: {type: signals, clip_tokens: 2, weights: {relevance: 1}}\n",
            field: "verdict.clip_tokens", says: "expected 8 to 4096"),
        Bad(yaml: "name: j\nmode: pairwise\ntemplate: \"{output_a} {output_b}\"\nverdict: {type: choice, labels: {a: [\"1\"], b: [\"2\"], c: [\"3\"]}}\n",
            field: "verdict.labels", says: "unknown verdict 'c'"),
        Bad(yaml: "name: j\nmode: pairwise\nrubric: [{name: a, weight: -1}]\ntemplate: \"{criterion}\"\nverdict: {type: choice, labels: {a: [\"1\"], b: [\"2\"]}}\n",
            field: "rubric[0].weight", says: "positive weight"),
        Bad(yaml: "name: j\nmode: pairwise\nrubric: [{name: a}]\ntemplate: \"{output_a}\"\nverdict: {type: choice, labels: {a: [\"1\"], b: [\"2\"]}}\n",
            field: "template", says: "needs {criterion}"),
        Bad(yaml: "name: j\nmode: pairwise\ntemplate: \"{criterion}\"\nverdict: {type: choice, labels: {a: [\"1\"], b: [\"2\"]}}\n",
            field: "template", says: "unknown placeholder {criterion}"),
        Bad(yaml: "name: j\nmode: pairwise\ntemplate: \"{output_a}\"\nverdict: {type: choice, labels: {a: [\"1\"], b: [\"2\"]}}\nreason_tokens: 5000\n",
            field: "reason_tokens", says: "expected 0 to 1024"),
    ]

    @Test(arguments: bad)
    func badJudgeFilesNameTheField(_ c: Bad) {
        do {
            _ = try JudgeFile.parse(c.yaml, path: "j.yaml")
            Issue.record("expected an error")
        } catch let error as FileFormatError {
            #expect(error.field == c.field, "\(error.errorDescription ?? "")")
            #expect(error.expected.contains(c.says), "\(error.errorDescription ?? "")")
            #expect(error.file == "j.yaml" && error.line != nil)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test(arguments: ["pairwise", "pointwise", "pandalm", "spo", "rubric", "local", "local-no-length"])
    func shippedJudgesLoad(_ name: String) throws {
        var dir = URL(fileURLWithPath: #filePath)
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { dir.deleteLastPathComponent() }
        let j = try JudgeFile.load(dir.appendingPathComponent("judges/\(name).yaml").path)
        #expect(j.name == name)
    }
}
