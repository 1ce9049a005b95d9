import Foundation

/// A judge in `judges/`: how to ask a model which output is better (pairwise,
/// as SPO and PandaLM do) or how good one output is (pointwise), and how to
/// read its verdict.
public struct JudgeFile: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable { case pairwise, pointwise }
    public enum VerdictReader: Sendable, Equatable {
        /// Compare the log-probabilities of each verdict's strings at the answer
        /// position (needs logprobs), falling back to parsing the generated text.
        /// A verdict whose P(a) and P(b) differ by at most `tieMargin` is a tie.
        case choice([LabelVerbalizer], tieMargin: Double)
        /// A number (score) extracted with a regex from the generated text.
        case score(pattern: String, min: Double, max: Double)
        /// No prompt: a weighted sum of signal differences from the in-process model and MiniLM.
        case signals(SignalWeights)
    }

    public var name: String
    public var mode: Mode
    public var description: String
    public var criteria: [String]
    /// Empty for a signals judge, which asks no prompt.
    public var template: PromptTemplate
    public var verdict: VerdictReader
    /// Named, weighted criteria: the template is asked once per criterion ({criterion},
    /// {criterion_description}) and the verdict is the weighted preference.
    public var rubric: [RubricCriterion]
    /// Tokens of reason to generate after the verdict (0: verdict only).
    public var reasonTokens: Int
    /// Judge both orders (A,B) and (B,A) to cancel position bias.
    public var bothOrders: Bool
    public var model: ModelSpec
    public var path: String

    static let pairwiseFields: Set<String> = ["instruction", "input", "output_a", "output_b", "criteria", "reference", "requirements"]
    static let pointwiseFields: Set<String> = ["instruction", "input", "output", "criteria", "reference", "requirements"]
    static let rubricFields: Set<String> = ["criterion", "criterion_description"]

    public static func load(_ path: String) throws -> JudgeFile {
        let text = try TextFileReader.read(URL(fileURLWithPath: path), limit: TextFileReader.definitionLimit)
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> JudgeFile {
        let root = try YAMLNode.parse(text, file: path)
        guard root.isMapping else { throw root.error(.wrongType, "expected a mapping at the top of a judge file") }
        try root.rejectUnknownKeys(["name", "mode", "description", "criteria", "template", "verdict", "both_orders", "model",
                                    "source", "rubric", "reason_tokens"])
        let name = try root.required("name", "the judge's name").nonEmptyString()
        let modeNode = try root.required("mode", "pairwise or pointwise")
        guard let mode = Mode(rawValue: try modeNode.string()) else {
            throw modeNode.error(.invalidValue, "unknown mode '\(try modeNode.string())'; expected pairwise or pointwise")
        }
        guard let verdictNode = try root.optional("verdict") else {
            throw FileFormatError(.missingField, file: path, line: root.line, field: "verdict",
                                  expected: "the judge has no verdict format; expected verdict: {type: choice, labels: "
                                      + "{a: [\"1\"], b: [\"2\"], tie: [\"Tie\"]}} (or type: score or signals)")
        }
        let vType = try verdictNode.required("type", "choice, score or signals")
        let verdict = try parseVerdict(verdictNode, type: vType, mode: mode)
        let rubric = try root.optional("rubric").map(RubricCriterion.parseList) ?? []
        var template = try PromptTemplate("")
        if case .signals = verdict {
            if let t = try root.optional("template") { throw t.error(.invalidValue, "a signals judge asks no prompt; remove template") }
            if let r = try root.optional("rubric") { throw r.error(.invalidValue, "a signals judge has no rubric; remove it") }
        } else {
            let templateNode = try root.required("template", "the judge prompt with placeholders")
            template = try TaskFileParser.parseTemplate(templateNode)
            var allowed = mode == .pairwise ? pairwiseFields : pointwiseFields
            if !rubric.isEmpty { allowed.formUnion(rubricFields) }
            for f in template.fields where !allowed.contains(f) {
                throw templateNode.error(.unknownTemplateField,
                                         "unknown placeholder {\(f)}; a \(mode.rawValue) judge\(rubric.isEmpty ? "" : " with a rubric") can use: \(allowed.sorted().joined(separator: ", "))")
            }
            if !rubric.isEmpty, !template.fields.contains("criterion") {
                throw templateNode.error(.invalidValue, "a rubric judge asks once per criterion; the template needs {criterion}")
            }
        }
        if !rubric.isEmpty, mode != .pairwise {
            throw try root.required("rubric", "").error(.invalidValue, "a rubric needs mode: pairwise")
        }
        let reasonNode = try root.optional("reason_tokens")
        let reasonTokens = try reasonNode?.int() ?? 0
        guard (0...1024).contains(reasonTokens) else {
            throw reasonNode!.error(.invalidValue, "expected 0 to 1024 tokens, found \(reasonTokens)")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        return JudgeFile(name: name, mode: mode, description: try root.optional("description")?.string() ?? "",
                         criteria: try root.optional("criteria")?.stringList() ?? [], template: template,
                         verdict: verdict, rubric: rubric, reasonTokens: reasonTokens,
                         bothOrders: try root.optional("both_orders")?.bool() ?? (mode == .pairwise),
                         model: try root.optional("model").map { try ModelSpec.parse($0, relativeTo: base) } ?? .embeddedDefault, path: path)
    }

    static func parseVerdict(_ node: YAMLNode, type vType: YAMLNode, mode: Mode) throws -> VerdictReader {
        switch try vType.string() {
        case "choice":
            try node.rejectUnknownKeys(["type", "labels", "tie_margin"])
            let labels = try node.required("labels", "a mapping of verdict -> strings")
            let parsed = try labels.mapping().map { k, v in LabelVerbalizer(label: k, verbalizers: try v.stringList()) }
            let needed: Set<String> = mode == .pairwise ? ["a", "b"] : []
            let have = Set(parsed.map(\.label))
            guard needed.isSubset(of: have) else {
                throw labels.error(.missingField, "a pairwise judge needs verdicts a and b (and optionally tie); found \(have.sorted())")
            }
            if mode == .pairwise, let extra = have.subtracting(["a", "b", "tie"]).sorted().first {
                throw labels.error(.invalidValue, "unknown verdict '\(extra)'; a pairwise judge's verdicts are a, b and tie")
            }
            let margin = try node.optional("tie_margin")
            let tieMargin = try margin?.double() ?? 0
            guard (0..<1).contains(tieMargin) else { throw margin!.error(.invalidValue, "expected a margin in [0, 1), found \(tieMargin)") }
            return .choice(parsed, tieMargin: tieMargin)
        case "score":
            try node.rejectUnknownKeys(["type", "pattern", "min", "max"])
            let p = try node.required("pattern", "a regex whose first group is the score").nonEmptyString()
            guard (try? NSRegularExpression(pattern: p)) != nil else {
                throw node.error(.invalidValue, "'\(p)' is not a valid regular expression", field: "verdict.pattern")
            }
            return .score(pattern: p, min: try node.optional("min")?.double() ?? 1, max: try node.optional("max")?.double() ?? 10)
        case "signals":
            guard mode == .pairwise else { throw vType.error(.invalidValue, "a signals verdict needs mode: pairwise") }
            return .signals(try SignalWeights.parse(node))
        default:
            throw vType.error(.invalidValue, "unknown verdict type '\(try vType.string())'; expected choice, score or signals")
        }
    }
}

/// One named, weighted criterion of a rubric judge.
public struct RubricCriterion: Sendable, Equatable, Codable {
    public var name: String
    public var weight: Double
    public var description: String

    public init(name: String, weight: Double, description: String) {
        self.name = name
        self.weight = weight
        self.description = description
    }

    static func parseList(_ node: YAMLNode) throws -> [RubricCriterion] {
        let items = try node.sequence()
        guard !items.isEmpty else { throw node.error(.emptyData, "expected at least one criterion {name, weight, description}") }
        var seen = Set<String>()
        return try items.map { item in
            try item.rejectUnknownKeys(["name", "weight", "description"])
            let name = try item.required("name", "the criterion's name").nonEmptyString()
            guard seen.insert(name).inserted else { throw item.error(.invalidValue, "criterion '\(name)' appears twice") }
            let weightNode = try item.optional("weight")
            let weight = try weightNode?.double() ?? 1
            guard weight > 0 else { throw weightNode!.error(.invalidValue, "expected a positive weight, found \(weight)") }
            return RubricCriterion(name: name, weight: weight, description: try item.optional("description")?.string() ?? "")
        }
    }
}
