import Foundation

/// A judge in `judges/`: how to ask a model which output is better (pairwise,
/// as SPO and PandaLM do) or how good one output is (pointwise), and how to
/// read its verdict.
public struct JudgeFile: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable { case pairwise, pointwise }
    public enum VerdictReader: Sendable, Equatable {
        /// Compare the log-probabilities of each verdict's strings at the answer
        /// position (needs logprobs), falling back to parsing the generated text.
        case choice([LabelVerbalizer])
        /// A number (score) extracted with a regex from the generated text.
        case score(pattern: String, min: Double, max: Double)
    }

    public var name: String
    public var mode: Mode
    public var description: String
    public var criteria: [String]
    public var template: PromptTemplate
    public var verdict: VerdictReader
    /// Judge both orders (A,B) and (B,A) to cancel position bias.
    public var bothOrders: Bool
    public var model: ModelSpec
    public var path: String

    static let pairwiseFields: Set<String> = ["instruction", "input", "output_a", "output_b", "criteria", "reference"]
    static let pointwiseFields: Set<String> = ["instruction", "input", "output", "criteria", "reference"]

    public static func load(_ path: String) throws -> JudgeFile {
        let text = try TextFileReader.read(URL(fileURLWithPath: path), limit: TextFileReader.definitionLimit)
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> JudgeFile {
        let root = try YAMLNode.parse(text, file: path)
        guard root.isMapping else { throw root.error(.wrongType, "expected a mapping at the top of a judge file") }
        try root.rejectUnknownKeys(["name", "mode", "description", "criteria", "template", "verdict", "both_orders", "model", "source"])
        let name = try root.required("name", "the judge's name").nonEmptyString()
        let modeNode = try root.required("mode", "pairwise or pointwise")
        guard let mode = Mode(rawValue: try modeNode.string()) else {
            throw modeNode.error(.invalidValue, "unknown mode '\(try modeNode.string())'; expected pairwise or pointwise")
        }
        let templateNode = try root.required("template", "the judge prompt with placeholders")
        let template = try TaskFileParser.parseTemplate(templateNode)
        let allowed = mode == .pairwise ? pairwiseFields : pointwiseFields
        for f in template.fields where !allowed.contains(f) {
            throw templateNode.error(.unknownTemplateField,
                                     "unknown placeholder {\(f)}; a \(mode.rawValue) judge can use: \(allowed.sorted().joined(separator: ", "))")
        }
        let verdictNode = try root.required("verdict", "how to read the verdict (type: choice or score)")
        try verdictNode.rejectUnknownKeys(["type", "labels", "pattern", "min", "max"])
        let vType = try verdictNode.required("type", "choice or score")
        let verdict: VerdictReader
        switch try vType.string() {
        case "choice":
            let labels = try verdictNode.required("labels", "a mapping of verdict -> strings")
            let parsed = try labels.mapping().map { k, v in LabelVerbalizer(label: k, verbalizers: try v.stringList()) }
            let needed: Set<String> = mode == .pairwise ? ["a", "b"] : []
            let have = Set(parsed.map(\.label))
            guard needed.isSubset(of: have) else {
                throw labels.error(.missingField, "a pairwise judge needs verdicts a and b (and optionally tie); found \(have.sorted())")
            }
            verdict = .choice(parsed)
        case "score":
            let p = try verdictNode.required("pattern", "a regex whose first group is the score").nonEmptyString()
            guard (try? NSRegularExpression(pattern: p)) != nil else {
                throw verdictNode.error(.invalidValue, "'\(p)' is not a valid regular expression", field: "verdict.pattern")
            }
            verdict = .score(pattern: p, min: try verdictNode.optional("min")?.double() ?? 1,
                             max: try verdictNode.optional("max")?.double() ?? 10)
        default:
            throw vType.error(.invalidValue, "unknown verdict type '\(try vType.string())'; expected choice or score")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        return JudgeFile(name: name, mode: mode, description: try root.optional("description")?.string() ?? "",
                         criteria: try root.optional("criteria")?.stringList() ?? [], template: template,
                         verdict: verdict, bothOrders: try root.optional("both_orders")?.bool() ?? (mode == .pairwise),
                         model: try root.optional("model").map { try ModelSpec.parse($0, relativeTo: base) } ?? .embeddedDefault, path: path)
    }
}
