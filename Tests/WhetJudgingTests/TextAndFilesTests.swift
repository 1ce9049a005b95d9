import Foundation
import Testing
@testable import WhetJudging

struct TextSignalsTests {
    @Test func repetitionEchoAndDuplicates() {
        let loop = TextSignals(instruction: "Name a colour.", response: "red red red red red red red red")
        #expect(loop.repetition > 0.8 && loop.words == 8)
        let clean = TextSignals(instruction: "Name a colour.", response: "Blue is the colour of a clear sky at noon.")
        #expect(clean.repetition == 0 && clean.echo == 0 && clean.violation == nil)
        let parrot = TextSignals(instruction: "Write a poem about the sea at night", response: "Write a poem about the sea at night")
        #expect(parrot.echo == 1)
        let lines = TextSignals(instruction: "x", response: "one\ntwo\none\none")
        #expect(lines.duplicateLines == 0.5)
    }

    @Test func statedConstraints() throws {
        func v(_ instruction: String, _ response: String) -> Double? { ConstraintCheck.violation(instruction: instruction, response: response) }
        #expect(v("Give three tips for staying healthy.", "1. Sleep\n2. Walk\n3. Eat well") == 0)
        #expect(try #require(v("Give three tips for staying healthy.", "1. Sleep\n2. Walk\n3. Eat\n4. Rest\n5. Read\n6. Drink")) == 1)
        #expect(v("Answer in one word: what colour is the sky?", "Blue") == 0)
        #expect(v("Answer in one word: what colour is the sky?", "The sky is usually blue during the day.") == 1)
        #expect(v("Describe it in at most 5 words.", "A small red car.") == 0)
        #expect(try #require(v("Describe it in at most 5 words.", "It is a small red car that goes fast.")) > 0)
        #expect(v("Write a sentence using two words.", "Fine.") != nil)
        #expect(v("Tell me about the ocean.", "It is big.") == nil)
        #expect(v("Return the data as JSON.", "{\"a\": 1}") == 0)
        #expect(v("Answer yes or no: is water wet?", "Yes.") == 0)
    }
}

struct PairsFileTests {
    @Test func readsPairsAndLabels() throws {
        let pairs = try PairsFile.parse("""
            {"input": "Say hi", "output_1": "hi", "output_2": "hello", "label": 2}

            {"input": "Add 2+2", "output_1": "4", "output_2": "5", "label": 0, "reference": "4"}
            {"input": "x", "output_1": "a", "output_2": "b"}
            """, path: "p.jsonl")
        #expect(pairs.map(\.line) == [1, 3, 4])
        #expect(pairs.map(\.label) == [2, 0, nil] && pairs[1].reference == "4")
    }

    @Test(arguments: [
        (#"{"input": "x", "output_1": "a"}"#, "p.jsonl:2: output_2: missing; expected a string"),
        (#"{"input": "x", "output_1": "a", "output_2": "b", "label": 3}"#, "p.jsonl:2: label: expected 1, 2 or 0 (a tie), found 3"),
        (#"{"input": "x", "output_1": "a", "output_2": "b", "label": true}"#, "p.jsonl:2: label: expected 1, 2 or 0 (a tie), found a boolean"),
        (#"{"input": "x", "output_1": 5, "output_2": "b"}"#, "p.jsonl:2: output_1: expected a string, found number"),
        (#"{"input": "x", "output_1": "a", "output_2": "b", "lable": 1}"#, "p.jsonl:2: lable: unknown field"),
        (#"["input"]"#, "p.jsonl:2: expected a JSON object, found an array"),
        (#"{"input": "x", "#, "p.jsonl:2: not valid JSON"),
    ])
    func badLinesNameTheirLine(_ line: String, _ expected: String) {
        let text = #"{"input": "ok", "output_1": "a", "output_2": "b"}"# + "\n" + line + "\n"
        do {
            _ = try PairsFile.parse(text, path: "p.jsonl")
            Issue.record("expected an error for \(line)")
        } catch {
            #expect(error.localizedDescription.hasPrefix(expected), "\(error.localizedDescription)")
        }
    }

    @Test func emptyAndMissingFiles() {
        #expect(throws: PairsFileError.empty(path: "p.jsonl")) { try PairsFile.parse("\n\n", path: "p.jsonl") }
        #expect(throws: PairsFileError.missing(path: "/nonexistent/p.jsonl")) { try PairsFile.load("/nonexistent/p.jsonl") }
    }
}
