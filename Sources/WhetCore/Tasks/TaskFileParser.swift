import Foundation

/// Reads task files. Every problem is a `FileFormatError` naming the file, line
/// and field; nothing falls back to a default the user did not write.
public enum TaskFileParser {
    static let topLevelKeys: Set<String> = [
        "name", "description", "source", "instruction", "template", "data", "splits",
        "answer", "metric", "judge", "model", "budget", "requirements", "max_tokens",
        "compress",
    ]

    public static func load(_ path: String) throws -> TaskFile {
        let url = URL(fileURLWithPath: path)
        let text = try TextFileReader.read(url, limit: TextFileReader.definitionLimit)
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> TaskFile {
        let root = try YAMLNode.parse(text, file: path)
        guard root.isMapping else { throw root.error(.wrongType, "expected a mapping at the top of a task file") }
        if root.keys.contains("qa") && !root.keys.contains("template") {
            return try SPOTaskFormat.parse(root, path: path)
        }
        try root.rejectUnknownKeys(topLevelKeys)
        let baseDir = URL(fileURLWithPath: path).deletingLastPathComponent()

        let name = try root.required("name", "the task's name (a string)").nonEmptyString()
        let description = try root.optional("description")?.string() ?? ""
        let source = try root.optional("source")?.string()
        let instruction = try root.required("instruction", "the seed instruction (a string)").nonEmptyString()
        let templateNode = try root.required("template", "a prompt template with {field} placeholders")
        let template = try parseTemplate(templateNode)

        let metricNode = try root.required("metric", "one of: \(Metric.allCases.map(\.rawValue).joined(separator: ", "))")
        let metricName = try metricNode.string()
        guard let metric = Metric(rawValue: metricName) else {
            throw metricNode.error(.invalidValue, "unknown metric '\(metricName)'; expected one of: \(Metric.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var judge: String?
        if let judgeNode = try root.optional("judge") {
            let rel = try judgeNode.nonEmptyString()
            let judgePath = resolve(rel, baseDir)
            guard FileManager.default.fileExists(atPath: judgePath) else {
                throw judgeNode.error(.notFound, "judge file '\(rel)' does not exist (looked at \(judgePath))")
            }
            judge = judgePath
        }
        if metric == .judge && judge == nil {
            throw FileFormatError(.missingField, file: path, line: metricNode.line, field: "judge",
                                  expected: "missing; metric 'judge' needs a judge file (judges/*.yaml)")
        }

        let answer = try parseAnswer(try root.optional("answer"), metric: metric, root: root)
        let dataNode = try root.required("data", "inline examples or a data file (see docs/formats.md)")
        let splitsNode = try root.optional("splits")
        let data = try TaskDataLoader.load(dataNode, splits: splitsNode, baseDir: baseDir,
                                           needsReference: metric.needsReference)
        try checkTemplateFields(template, templateNode: templateNode, data: data, dataNode: dataNode)
        let compress = try root.optional("compress").map { try TaskCompression.parse($0, data: data) }

        return TaskFile(
            name: name, description: description, source: source, instruction: instruction,
            template: template, data: data, answer: answer, metric: metric, judge: judge,
            requirements: try root.optional("requirements")?.string(),
            model: try root.optional("model").map { try ModelSpec.parse($0, relativeTo: baseDir) } ?? .embeddedDefault,
            budget: try root.optional("budget").map(Budget.parse) ?? Budget(),
            maxTokens: try parseMaxTokens(try root.optional("max_tokens"), metric: metric), path: path,
            compress: compress)
    }

    static func resolve(_ rel: String, _ base: URL) -> String {
        rel.hasPrefix("/") ? rel : base.appendingPathComponent(rel).standardizedFileURL.path
    }

    static func parseTemplate(_ node: YAMLNode) throws -> PromptTemplate {
        let text = try node.nonEmptyString()
        do {
            let t = try PromptTemplate(text)
            guard !t.fields.isEmpty else {
                throw node.error(.invalidValue, "the template names no field; expected at least one {field} placeholder")
            }
            return t
        } catch let e as PromptTemplate.ParseError {
            switch e {
            case .unclosedBrace: throw node.error(.invalidValue, "a '{' is never closed; write {{ for a literal brace")
            case .emptyField: throw node.error(.invalidValue, "empty placeholder {}; expected {field}")
            case .badFieldName(let n): throw node.error(.invalidValue, "bad placeholder {\(n)}; field names use letters, digits and _")
            }
        }
    }

    static func checkTemplateFields(_ template: PromptTemplate, templateNode: YAMLNode, data: TaskData, dataNode: YAMLNode) throws {
        for example in data.all {
            for field in template.fields where example.fields[field] == nil {
                let have = example.fields.keys.sorted().joined(separator: ", ")
                throw templateNode.error(.unknownTemplateField,
                    "placeholder {\(field)} is not a field of the data (example \(example.id) has: \(have)); map it under data.fields")
            }
        }
    }

    static func parseAnswer(_ node: YAMLNode?, metric: Metric, root: YAMLNode) throws -> AnswerFormat {
        guard let node else {
            if metric == .choiceAccuracy {
                throw FileFormatError(.missingField, file: root.file, line: root.line, field: "answer",
                                      expected: "missing; metric 'choice_accuracy' needs answer.type: label with labels")
            }
            return metric == .numeric ? .number : .text
        }
        try node.rejectUnknownKeys(["type", "labels", "pattern"])
        let typeNode = try node.required("type", "one of: text, label, number, regex")
        let type = try typeNode.string()
        let format: AnswerFormat
        switch type {
        case "text": format = .text
        case "number": format = .number
        case "label":
            let labelsNode = try node.required("labels", "a mapping of label -> verbalizers, or a list of labels")
            var labels: [LabelVerbalizer] = []
            if labelsNode.isSequence {
                labels = try labelsNode.sequence().map { let l = try $0.nonEmptyString(); return LabelVerbalizer(label: l, verbalizers: [l]) }
            } else {
                labels = try labelsNode.mapping().map { key, value in
                    let v = try value.stringList()
                    guard !v.isEmpty else { throw value.error(.invalidValue, "expected at least one verbalizer") }
                    return LabelVerbalizer(label: key, verbalizers: v)
                }
            }
            guard labels.count >= 2 else { throw labelsNode.error(.invalidValue, "expected at least two labels") }
            format = .label(labels)
        case "regex":
            let pNode = try node.required("pattern", "a regular expression whose first group is the answer")
            let pattern = try pNode.nonEmptyString()
            guard (try? NSRegularExpression(pattern: pattern)) != nil else {
                throw pNode.error(.invalidValue, "'\(pattern)' is not a valid regular expression")
            }
            format = .regex(pattern)
        default:
            throw typeNode.error(.invalidValue, "unknown answer type '\(type)'; expected one of: text, label, number, regex")
        }
        if metric == .choiceAccuracy, case .label = format {} else if metric == .choiceAccuracy {
            throw typeNode.error(.invalidValue, "metric 'choice_accuracy' needs answer.type: label")
        }
        if metric == .regex, case .regex = format {} else if metric == .regex {
            throw typeNode.error(.invalidValue, "metric 'regex' needs answer.type: regex with a pattern")
        }
        return format
    }

    /// Room for an answer: short answers by default, more for metrics over free text; worked answers
    /// (GSM8K) set `max_tokens` in the task file.
    static func parseMaxTokens(_ node: YAMLNode?, metric: Metric) throws -> Int {
        guard let node else { return metric == .tokenF1 || metric == .contains || metric == .judge ? 96 : 32 }
        let value = try node.int()
        guard (1...8192).contains(value) else { throw node.error(.invalidValue, "expected a token count from 1 to 8192, found \(value)") }
        return value
    }
}
