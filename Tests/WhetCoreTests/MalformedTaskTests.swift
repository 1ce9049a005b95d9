import Foundation
import Testing
@testable import WhetCore

/// Each bad file fails with `file:line: field: expected`, never a crash or a default.
struct MalformedTaskTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let yaml: String
        var files: [String: String] = [:]
        let kind: FileFormatError.Kind
        let line: Int?
        let field: String
        var testDescription: String { name }
    }

    static let inline = """
        data:
          examples:
            - {input: a, output: x}
            - {input: b, output: y}
            - {input: c, output: x}
            - {input: d, output: y}
            - {input: e, output: x}
          answer: output
        """

    static let cases: [Case] = [
        Case(name: "missing instruction", yaml: """
            name: t
            template: "{input}"
            metric: exact_match
            \(inline)
            """, kind: .missingField, line: 1, field: "instruction"),
        Case(name: "wrong type in budget", yaml: """
            name: t
            instruction: do it
            template: "{input}"
            metric: exact_match
            budget:
              max_calls: lots
            \(inline)
            """, kind: .wrongType, line: 6, field: "budget.max_calls"),
        Case(name: "unknown metric", yaml: """
            name: t
            instruction: do it
            template: "{input}"
            metric: accuracy_score
            \(inline)
            """, kind: .invalidValue, line: 4, field: "metric"),
        Case(name: "misspelt field", yaml: """
            name: t
            instruction: do it
            template: "{input}"
            metirc: exact_match
            metric: exact_match
            \(inline)
            """, kind: .unknownField, line: 4, field: "metirc"),
        Case(name: "template names a field the data lacks", yaml: """
            name: t
            instruction: do it
            template: "Q: {question}"
            metric: exact_match
            \(inline)
            """, kind: .unknownTemplateField, line: 3, field: "template"),
        Case(name: "empty data set", yaml: """
            name: t
            instruction: do it
            template: "{input}"
            metric: exact_match
            data:
              examples: []
              answer: output
            """, kind: .emptyData, line: 6, field: "data.examples"),
        Case(name: "split leaves the test set empty", yaml: """
            name: t
            instruction: do it
            template: "{input}"
            metric: exact_match
            splits: {train: 0.8, dev: 0.2, test: 0.0}
            \(inline)
            """, kind: .emptySplit, line: 5, field: "splits"),
        Case(name: "data path does not exist", yaml: """
            name: t
            instruction: do it
            template: "{input}"
            metric: exact_match
            data:
              path: data/missing.jsonl
              answer: output
            """, kind: .notFound, line: 6, field: "data.path"),
        Case(name: "invalid YAML", yaml: """
            name: t
            instruction: do it
            template: "{input}"
              metric: [exact_match
            """, kind: .syntax, line: 4, field: ""),
        Case(name: "bad JSON line in data", yaml: """
            name: t
            instruction: do it
            template: "{input}"
            metric: exact_match
            data:
              path: d.jsonl
              answer: output
            """, files: ["d.jsonl": "{\"input\": \"a\", \"output\": \"x\"}\n{\"input\": \"b\", \"output\": \n"],
             kind: .syntax, line: 2, field: ""),
        Case(name: "record lacks the answer column", yaml: """
            name: t
            instruction: do it
            template: "{text}"
            metric: exact_match
            data:
              path: d.csv
              answer: category
            """, files: ["d.csv": "text,label\nhello,x\nbye,y\n"], kind: .missingField, line: 2, field: "data.answer"),
        Case(name: "invalid regex", yaml: """
            name: t
            instruction: do it
            template: "{input}"
            metric: regex
            answer:
              type: regex
              pattern: "([A-F"
            \(inline)
            """, kind: .invalidValue, line: 7, field: "answer.pattern"),
        Case(name: "one label only", yaml: """
            name: t
            instruction: do it
            template: "{input}"
            metric: choice_accuracy
            answer:
              type: label
              labels: [x]
            \(inline)
            """, kind: .invalidValue, line: 7, field: "answer.labels"),
        Case(name: "judge metric without a judge", yaml: """
            name: t
            instruction: do it
            template: "{input}"
            metric: judge
            \(inline)
            """, kind: .missingField, line: 4, field: "judge"),
        Case(name: "unclosed placeholder", yaml: """
            name: t
            instruction: do it
            template: "Q: {input"
            metric: exact_match
            \(inline)
            """, kind: .invalidValue, line: 3, field: "template"),
        Case(name: "empty data file", yaml: """
            name: t
            instruction: do it
            template: "{input}"
            metric: exact_match
            data:
              path: d.jsonl
              answer: output
            """, files: ["d.jsonl": "\n\n"], kind: .emptyData, line: nil, field: ""),
        Case(name: "negative split ratio", yaml: """
            name: t
            instruction: do it
            template: "{input}"
            metric: exact_match
            splits: {train: 1.2, dev: -0.1, test: -0.1}
            \(inline)
            """, kind: .invalidValue, line: 5, field: "splits.train"),
        Case(name: "bad model string", yaml: """
            name: t
            instruction: do it
            template: "{input}"
            metric: exact_match
            model: "gopher:gpt-17"
            \(inline)
            """, kind: .invalidValue, line: 5, field: "model"),
    ]

    @Test(arguments: cases)
    func malformedTaskFails(_ c: Case) throws {
        let dir = try TempDir()
        for (name, text) in c.files { try dir.write(name, text) }
        let path = try dir.write("task.yaml", c.yaml)
        do {
            _ = try TaskFileParser.load(path)
            Issue.record("\(c.name): expected an error")
        } catch let e as FileFormatError {
            #expect(e.kind == c.kind, "\(c.name): \(e.errorDescription ?? "")")
            #expect(e.field == c.field, "\(c.name): \(e.errorDescription ?? "")")
            if let line = c.line { #expect(e.line == line, "\(c.name): \(e.errorDescription ?? "")") }
            let message = e.errorDescription ?? ""
            #expect(message.hasPrefix(e.file) && e.file.hasPrefix(dir.url.path), "\(c.name): \(message)")
            _ = path
        }
    }

    @Test func invalidUTF8InTaskFileNamesTheLine() throws {
        let dir = try TempDir()
        var bytes = Data("name: t\ninstruction: caf".utf8)
        bytes.append(contentsOf: [0xC3, 0x28])
        bytes.append(Data("\n".utf8))
        let path = try dir.write("task.yaml", bytes)
        let e = try #require(throws: FileFormatError.self) { try TaskFileParser.load(path) }
        #expect(e.kind == .invalidUTF8 && e.line == 2)
        #expect(e.errorDescription?.hasPrefix("\(path):2:") == true)
    }

    @Test func invalidUTF8InDataFile() throws {
        let dir = try TempDir()
        var bytes = Data("{\"input\": \"a\", \"output\": \"x\"}\n{\"input\": \"".utf8)
        bytes.append(0xFF)
        bytes.append(Data("\"}\n".utf8))
        let data = try dir.write("d.jsonl", bytes)
        let path = try dir.write("task.yaml", """
            name: t
            instruction: do it
            template: "{input}"
            metric: exact_match
            data: {path: d.jsonl, answer: output}
            """)
        let e = try #require(throws: FileFormatError.self) { try TaskFileParser.load(path) }
        #expect(e.kind == .invalidUTF8 && e.file == data && e.line == 2)
    }

    /// A 100 MB file is refused by size before it is read.
    @Test func hundredMegabyteFileIsRefused() throws {
        let dir = try TempDir()
        let data = dir.path("big.jsonl")
        #expect(FileManager.default.createFile(atPath: data, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: data))
        try handle.truncate(atOffset: 100 << 20)   // sparse: no 100 MB written to disk
        try handle.close()
        let path = try dir.write("task.yaml", """
            name: t
            instruction: do it
            template: "{input}"
            metric: exact_match
            data: {path: big.jsonl, answer: output}
            """)
        let e = try #require(throws: FileFormatError.self) { try TaskFileParser.load(path) }
        #expect(e.kind == .tooLarge && e.file == data)
        #expect(e.errorDescription?.contains("100.0 MB") == true)
        let bigTask = dir.path("big.yaml")
        try FileManager.default.copyItem(atPath: data, toPath: bigTask)
        let e2 = try #require(throws: FileFormatError.self) { try TaskFileParser.load(bigTask) }
        #expect(e2.kind == .tooLarge)
    }

    @Test func taskFileThatDoesNotExist() throws {
        let e = try #require(throws: FileFormatError.self) { try TaskFileParser.load("/nonexistent/task.yaml") }
        #expect(e.kind == .notFound && e.file == "/nonexistent/task.yaml")
    }
}
