import Foundation
import Testing
@testable import WhetCore

/// The task file's `compress:` option: a good one loads; each bad one names file, line and field.
struct TaskCompressionTests {
    static func task(_ compress: String) -> String {
        """
        name: qa
        instruction: answer from the passage
        template: "{passage}\\n\\nQ: {question}"
        metric: contains
        \(compress)
        data:
          examples:
            - {passage: "Paris is the capital of France.", question: "capital of France?", output: Paris}
            - {passage: "Rome is the capital of Italy.", question: "capital of Italy?", output: Rome}
            - {passage: "Bern is the capital of Switzerland.", question: "capital?", output: Bern}
            - {passage: "Oslo is the capital of Norway.", question: "capital of Norway?", output: Oslo}
            - {passage: "Lima is the capital of Peru.", question: "capital of Peru?", output: Lima}
          answer: output
        """
    }

    @Test func parsesTheOption() throws {
        let dir = try TempDir()
        let path = try dir.write("t.yaml", Self.task("compress: {fields: [passage], rate: 0.4, question_field: question}"))
        let t = try TaskFileParser.load(path)
        #expect(t.compress == TaskCompression(fields: ["passage"], rate: 0.4, questionField: "question"))
    }

    @Test func questionFieldIsOptional() throws {
        let dir = try TempDir()
        let path = try dir.write("t.yaml", Self.task("compress:\n  fields: passage\n  rate: 1"))
        #expect(try TaskFileParser.load(path).compress == TaskCompression(fields: ["passage"], rate: 1, questionField: nil))
    }

    @Test func absentMeansNone() throws {
        let dir = try TempDir()
        #expect(try TaskFileParser.load(try dir.write("t.yaml", Self.task(""))).compress == nil)
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        let name: String
        let compress: String
        let kind: FileFormatError.Kind
        let line: Int
        let field: String
        let says: String
        var testDescription: String { name }
    }

    static let bad: [Bad] = [
        Bad(name: "not a mapping", compress: "compress: passage", kind: .wrongType, line: 5, field: "compress", says: "mapping"),
        Bad(name: "missing fields", compress: "compress: {rate: 0.5}", kind: .missingField, line: 5,
            field: "compress.fields", says: "data fields"),
        Bad(name: "missing rate", compress: "compress: {fields: [passage]}", kind: .missingField, line: 5,
            field: "compress.rate", says: "(0, 1]"),
        Bad(name: "rate above one", compress: "compress:\n  fields: [passage]\n  rate: 3", kind: .invalidValue, line: 7,
            field: "compress.rate", says: "(0, 1]"),
        Bad(name: "rate zero", compress: "compress:\n  fields: [passage]\n  rate: 0", kind: .invalidValue, line: 7,
            field: "compress.rate", says: "(0, 1]"),
        Bad(name: "rate not a number", compress: "compress:\n  fields: [passage]\n  rate: third", kind: .wrongType, line: 7,
            field: "compress.rate", says: "number"),
        Bad(name: "unknown field of the data", compress: "compress:\n  fields: [pasage]\n  rate: 0.5", kind: .unknownTemplateField,
            line: 6, field: "compress.fields", says: "'pasage' is not a field of the data"),
        Bad(name: "empty field list", compress: "compress:\n  fields: []\n  rate: 0.5", kind: .invalidValue, line: 6,
            field: "compress.fields", says: "at least one"),
        Bad(name: "question field not in the data", compress: "compress:\n  fields: [passage]\n  rate: 0.5\n  question_field: query",
            kind: .unknownTemplateField, line: 8, field: "compress.question_field", says: "'query' is not a field"),
        Bad(name: "question field also compressed",
            compress: "compress:\n  fields: [passage, question]\n  rate: 0.5\n  question_field: question",
            kind: .invalidValue, line: 8, field: "compress.question_field", says: "never compressed"),
        Bad(name: "misspelt key", compress: "compress:\n  fields: [passage]\n  ratio: 0.5", kind: .unknownField, line: 7,
            field: "compress.ratio", says: "question_field"),
    ]

    @Test(arguments: bad)
    func badOptionFails(_ c: Bad) throws {
        let dir = try TempDir()
        let path = try dir.write("t.yaml", Self.task(c.compress))
        let e = try #require(throws: FileFormatError.self) { try TaskFileParser.load(path) }
        let message = e.errorDescription ?? ""
        #expect(e.kind == c.kind, "\(message)")
        #expect(e.field == c.field, "\(message)")
        #expect(e.line == c.line, "\(message)")
        #expect(message.hasPrefix("\(path):\(c.line): \(c.field): "), "\(message)")
        #expect(message.contains(c.says), "\(message)")
    }
}
