import Foundation

/// A task: what to optimise a prompt for. Parsed from `tasks/*.yaml` (see
/// docs/formats.md) or from SPO's format (`prompt`, `requirements`, `count`, `qa`).
public struct TaskFile: Sendable, Equatable {
    public var name: String
    public var description: String
    public var source: String?
    public var instruction: String
    public var template: PromptTemplate
    public var data: TaskData
    public var answer: AnswerFormat
    public var metric: Metric
    public var judge: String?
    public var requirements: String?
    public var model: ModelSpec
    public var budget: Budget
    /// Where the file was read from; relative paths inside it resolve against its folder.
    public var path: String
}

/// Examples split three ways. The optimizer sees `train` and `dev` only; `test` is
/// held out for the final report.
public struct TaskData: Sendable, Equatable {
    public var train: [Example]
    public var dev: [Example]
    public var test: [Example]
    public var all: [Example] { train + dev + test }
}

public struct Example: Sendable, Equatable, Hashable {
    /// Stable id: the source file and record number (or `inline:N`), so evaluations
    /// of the same example across runs line up.
    public var id: String
    public var fields: [String: String]
    public var answer: String?

    public init(id: String, fields: [String: String], answer: String?) {
        self.id = id
        self.fields = fields
        self.answer = answer
    }
}

public enum AnswerFormat: Sendable, Equatable {
    /// Free text, compared after normalisation.
    case text
    /// A label set; each label lists the strings (verbalizers) that count as it.
    case label([LabelVerbalizer])
    /// A number, extracted as the last number in the output.
    case number
    /// The first capture group (or whole match) of a regex.
    case regex(String)

    public var typeName: String {
        switch self {
        case .text: return "text"
        case .label: return "label"
        case .number: return "number"
        case .regex: return "regex"
        }
    }
}

public struct LabelVerbalizer: Sendable, Equatable, Codable {
    public var label: String
    public var verbalizers: [String]
    public init(label: String, verbalizers: [String]) {
        self.label = label
        self.verbalizers = verbalizers
    }
}

public enum Metric: String, Sendable, Equatable, CaseIterable {
    case exactMatch = "exact_match"
    case choiceAccuracy = "choice_accuracy"
    case contains
    case numeric
    case tokenF1 = "token_f1"
    case regex
    case judge

    public var needsReference: Bool { self != .judge }
}

/// Which model runs the prompts: the embedded default, a GGUF file, or an
/// OpenAI-compatible endpoint.
public enum ModelSpec: Sendable, Equatable {
    case embeddedDefault
    case gguf(path: String)
    case endpoint(url: String, model: String, apiKeyEnv: String?)

    public var displayName: String {
        switch self {
        case .embeddedDefault: return "local:\(ModelLocator.defaultGGUFName)"
        case .gguf(let p): return "gguf:\(p)"
        case .endpoint(let url, let model, _): return "\(url)#\(model)"
        }
    }
}

public struct Budget: Sendable, Equatable {
    public var maxCalls: Int?
    public var maxTokens: Int?
    public var maxCandidates: Int?
    public var maxCostUSD: Double?
    public var maxSeconds: Double?

    public init(maxCalls: Int? = nil, maxTokens: Int? = nil, maxCandidates: Int? = nil,
                maxCostUSD: Double? = nil, maxSeconds: Double? = nil) {
        self.maxCalls = maxCalls
        self.maxTokens = maxTokens
        self.maxCandidates = maxCandidates
        self.maxCostUSD = maxCostUSD
        self.maxSeconds = maxSeconds
    }
}
