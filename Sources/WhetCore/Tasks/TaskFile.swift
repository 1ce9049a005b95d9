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
    /// Most tokens generated per answer (generation tasks).
    public var maxTokens: Int
    /// Where the file was read from; relative paths inside it resolve against its folder.
    public var path: String
    /// Fields compressed before the model sees them (`compress:`); nil leaves every field whole.
    public var compress: TaskCompression? = nil
}

/// One of a task's three example sets.
public enum Split: String, Codable, Sendable, CaseIterable {
    case train, dev, test
}

/// Examples split three ways. The optimizer sees `train` and `dev` only; `test` is
/// held out for the final report.
public struct TaskData: Sendable, Equatable {
    public var train: [Example]
    public var dev: [Example]
    public var test: [Example]
    public var all: [Example] { train + dev + test }

    public subscript(split: Split) -> [Example] {
        switch split {
        case .train: return train
        case .dev: return dev
        case .test: return test
        }
    }
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

/// A hard limit on what a run may spend; every part is optional. The task file's `budget:` and the
/// command-line `--budget-*` options fill it; `UsageLedger` refuses a model call that would exceed
/// calls, tokens, cost or time, and the optimizer stops at `maxCandidates`.
public struct Budget: Codable, Hashable, Sendable {
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

    public static let unlimited = Budget()

    /// This budget with every limit `other` sets replacing its own.
    public func overridden(by other: Budget) -> Budget {
        Budget(maxCalls: other.maxCalls ?? maxCalls, maxTokens: other.maxTokens ?? maxTokens,
               maxCandidates: other.maxCandidates ?? maxCandidates, maxCostUSD: other.maxCostUSD ?? maxCostUSD,
               maxSeconds: other.maxSeconds ?? maxSeconds)
    }
}

extension Budget {
    /// Reads a `budget:` mapping (task files, the endpoint configuration).
    public static func parse(_ node: YAMLNode) throws -> Budget {
        try node.rejectUnknownKeys(["max_calls", "max_tokens", "max_candidates", "max_cost_usd", "max_seconds"])
        func positiveInt(_ key: String) throws -> Int? {
            guard let n = try node.optional(key) else { return nil }
            let v = try n.int()
            guard v > 0 else { throw n.error(.invalidValue, "expected a positive integer, found \(v)") }
            return v
        }
        func positiveDouble(_ key: String) throws -> Double? {
            guard let n = try node.optional(key) else { return nil }
            let v = try n.double()
            guard v > 0 else { throw n.error(.invalidValue, "expected a positive number, found \(v)") }
            return v
        }
        return Budget(maxCalls: try positiveInt("max_calls"), maxTokens: try positiveInt("max_tokens"),
                      maxCandidates: try positiveInt("max_candidates"), maxCostUSD: try positiveDouble("max_cost_usd"),
                      maxSeconds: try positiveDouble("max_seconds"))
    }
}
