import Foundation
import Testing
@testable import WhetCore

struct TaskFileTests {
    static func inlineTask(seed: Int, count: Int = 20) -> String {
        var yaml = """
            name: t
            instruction: Say the label.
            template: "Text: {input}\\nLabel:"
            metric: choice_accuracy
            answer:
              type: label
              labels: {yes: [yes, "y"], no: [no]}
            splits: {train: 0.5, dev: 0.25, test: 0.25, seed: \(seed)}
            model: http://127.0.0.1:8080/v1#smollm
            budget: {max_calls: 10, max_cost_usd: 0.5}
            data:
              answer: label
              examples:

            """
        for i in 0..<count { yaml += "    - {input: \"item \(i)\", label: \(i % 2 == 0 ? "yes" : "no")}\n" }
        return yaml
    }

    @Test func inlineTaskParsesEveryField() throws {
        let t = try TaskFileParser.parse(Self.inlineTask(seed: 1), path: "/tmp/t.yaml")
        #expect(t.data.train.count == 10 && t.data.dev.count == 5 && t.data.test.count == 5)
        #expect(t.model == .endpoint(ModelSpec.Endpoint(baseURLs: ["http://127.0.0.1:8080/v1"], model: "smollm")))
        #expect(t.budget == Budget(maxCalls: 10, maxCostUSD: 0.5))
        #expect(try t.template.render(["input": "hi"]) == "Text: hi\nLabel:")
        #expect(t.data.all.allSatisfy { $0.answer == "yes" || $0.answer == "no" })
    }

    @Test func splitsAreDeterministicBySeed() throws {
        let a = try TaskFileParser.parse(Self.inlineTask(seed: 7), path: "/tmp/t.yaml")
        let b = try TaskFileParser.parse(Self.inlineTask(seed: 7), path: "/tmp/t.yaml")
        let c = try TaskFileParser.parse(Self.inlineTask(seed: 8), path: "/tmp/t.yaml")
        #expect(a.data == b.data)
        #expect(a.data.test.map(\.id) != c.data.test.map(\.id))
    }

    @Test func seededGeneratorIsStable() {
        var g = SeededGenerator(seed: 42)
        let first = (0..<3).map { _ in g.next() }
        var h = SeededGenerator(seed: 42)
        #expect(first == (0..<3).map { _ in h.next() })
        #expect(Set(first).count == 3)
    }

    @Test func templateEscapesAndRejectsMissingValues() throws {
        let t = try PromptTemplate("{{literal}} {a} and {b}{a}")
        #expect(t.fields == ["a", "b"])
        #expect(try t.render(["a": "1", "b": "2"]) == "{literal} 1 and 21")
        #expect(throws: TemplateError.missingValue("b")) { try t.render(["a": "1"]) }
        #expect(throws: PromptTemplate.ParseError.self) { try PromptTemplate("{a b}") }
    }

    @Test func jsonRecordsUnderAKey() throws {
        let dir = try TempDir()
        try dir.write("d.json", #"{"metadata": {}, "examples": {"2": {"input": "b", "output": "B"}, "1": {"input": "a", "output": "A"}, "10": {"input": "j", "output": "J"}}}"#)
        let path = try dir.write("t.yaml", """
            name: t
            instruction: up
            template: "{input}"
            metric: exact_match
            splits: {train: 0.34, dev: 0.33, test: 0.33}
            data: {path: d.json, records: examples, answer: output}
            """)
        let t = try TaskFileParser.load(path)
        #expect(t.data.all.map(\.id).sorted() == ["d.json:1", "d.json:2", "d.json:3"])
        #expect(Set(t.data.all.compactMap(\.answer)) == ["A", "B", "J"])
    }
}

struct ScorerTests {
    static let labels: AnswerFormat = .label([
        LabelVerbalizer(label: "positive", verbalizers: ["positive", "pos"]),
        LabelVerbalizer(label: "negative", verbalizers: ["negative"]),
    ])

    @Test(arguments: [
        ("Positive.", "positive", 1.0),
        ("The sentiment is negative", "positive", 0.0),
        ("negative, not positive", "negative", 1.0),
        ("I cannot tell", "positive", 0.0),
    ])
    func choiceAccuracy(_ output: String, _ reference: String, _ expected: Double) {
        #expect(Scorer(metric: .choiceAccuracy, answer: Self.labels).score(output: output, reference: reference) == expected)
    }

    @Test(arguments: [
        ("so the answer is 1,234.", "1234", 1.0),
        ("It costs $18 in total. 18", "18", 1.0),
        ("42 then 41", "42", 0.0),
        ("no number", "3", 0.0),
        ("-7.5", "-7.50", 1.0),
    ])
    func numeric(_ output: String, _ reference: String, _ expected: Double) {
        #expect(Scorer(metric: .numeric, answer: .number).score(output: output, reference: reference) == expected)
    }

    @Test func exactContainsF1AndRegex() {
        #expect(Scorer(metric: .exactMatch, answer: .text).score(output: " The Cats! ", reference: "cats") == 1)
        #expect(Scorer(metric: .exactMatch, answer: .text).score(output: "dogs", reference: "cats") == 0)
        #expect(Scorer(metric: .contains, answer: .text).score(output: "I think Paris, France", reference: "paris") == 1)
        #expect(abs(Scorer(metric: .tokenF1, answer: .text).score(output: "red big car", reference: "big red truck") - 2.0 / 3.0) < 1e-9)
        let re = Scorer(metric: .regex, answer: .regex(#"\(([A-F])\)"#))
        #expect(re.score(output: "Let me think. The answer is (C).", reference: "(C)") == 1)
        #expect(re.score(output: "The answer is (D).", reference: "(C)") == 0)
        #expect(re.score(output: "C", reference: "(C)") == 0)
    }
}

struct DefinitionFileTests {
    @Test func promptFrontMatterErrors() throws {
        #expect(throws: FileFormatError.self) { try PromptFile.parse("no front matter", path: "p.md") }
        let undeclared = try #require(throws: FileFormatError.self) {
            try PromptFile.parse("---\nname: p\nkind: meta\nvariables: [a]\n---\nUse {a} and {b}.", path: "p.md")
        }
        #expect(undeclared.kind == .unknownTemplateField && undeclared.line == 6)
        let badKind = try #require(throws: FileFormatError.self) {
            try PromptFile.parse("---\nname: p\nkind: magic\n---\nbody", path: "p.md")
        }
        #expect(badKind.line == 3 && badKind.field == "kind")
    }

    @Test func judgeErrors() throws {
        let missingB = try #require(throws: FileFormatError.self) {
            try JudgeFile.parse("""
                name: j
                mode: pairwise
                template: "{output_a} vs {output_b}"
                verdict:
                  type: choice
                  labels: {a: ["1"]}
                """, path: "j.yaml")
        }
        #expect(missingB.field == "verdict.labels" && missingB.line == 6)
        let badField = try #require(throws: FileFormatError.self) {
            try JudgeFile.parse("""
                name: j
                mode: pointwise
                template: "{output_a}"
                verdict: {type: score, pattern: "(\\\\d+)"}
                """, path: "j.yaml")
        }
        #expect(badField.kind == .unknownTemplateField && badField.field == "template")
    }
}
