import Foundation
import WhetEvaluation

/// Everything `whet compare` reports: the prompts, every pairwise comparison (A = the earlier prompt
/// on the command line), Bradley-Terry strengths for three or more prompts, and the CI gate.
/// Rendered as JSON (Codable), a terminal table, a self-contained HTML page and JUnit XML.
public struct ComparisonReport: Codable, Sendable {
    public struct Prompt: Codable, Sendable, Equatable {
        public var name: String
        public var source: String
        public var text: String
        public var length: LengthSummary
        /// Mean metric score on labelled tasks.
        public var metricMean: Double?
        public var candidateId: Int64?

        public init(name: String, source: String, text: String, length: LengthSummary, metricMean: Double?, candidateId: Int64?) {
            self.name = name
            self.source = source
            self.text = text
            self.length = length
            self.metricMean = metricMean
            self.candidateId = candidateId
        }
    }

    public struct Pair: Codable, Sendable {
        /// Indices into `prompts`.
        public var a: Int
        public var b: Int
        public var result: ComparisonResult

        public init(a: Int, b: Int, result: ComparisonResult) {
            self.a = a
            self.b = b
            self.result = result
        }
    }

    public var runId: String?
    public var task: String
    public var split: String
    public var model: String
    public var judge: String
    public var judgeFile: String
    public var judgeModel: String
    public var prompts: [Prompt]
    public var pairs: [Pair]
    public var bradleyTerry: BradleyTerry?
    public var warnings: [String]
    /// `--fail-under`: the least win rate of the first prompt against the second that passes.
    public var failUnder: Double?
    public var seconds: Double
    /// Tokens of the task's `compress:` fields in the prompts run, before and after compression.
    public var compression: CompressionTally?

    public init(runId: String?, task: String, split: String, model: String, judge: String, judgeFile: String, judgeModel: String,
                prompts: [Prompt], pairs: [Pair], bradleyTerry: BradleyTerry?, warnings: [String], failUnder: Double?, seconds: Double) {
        self.runId = runId
        self.task = task
        self.split = split
        self.model = model
        self.judge = judge
        self.judgeFile = judgeFile
        self.judgeModel = judgeModel
        self.prompts = prompts
        self.pairs = pairs
        self.bradleyTerry = bradleyTerry
        self.warnings = warnings
        self.failUnder = failUnder
        self.seconds = seconds
    }

    /// The first prompt against the second: what `--fail-under` gates on.
    public var headline: Pair? { pairs.first { $0.a == 0 && $0.b == 1 } }

    /// True, false, or nil when no threshold was given.
    public var passed: Bool? {
        guard let failUnder, let headline else { return nil }
        return headline.result.winRate.rate >= failUnder
    }

    enum CodingKeys: String, CodingKey {
        case runId, task, split, model, judge, judgeFile, judgeModel, prompts, pairs, bradleyTerry, warnings, failUnder, seconds, passed, compression
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(runId, forKey: .runId)
        try c.encode(task, forKey: .task)
        try c.encode(split, forKey: .split)
        try c.encode(model, forKey: .model)
        try c.encode(judge, forKey: .judge)
        try c.encode(judgeFile, forKey: .judgeFile)
        try c.encode(judgeModel, forKey: .judgeModel)
        try c.encode(prompts, forKey: .prompts)
        try c.encode(pairs, forKey: .pairs)
        try c.encodeIfPresent(bradleyTerry, forKey: .bradleyTerry)
        try c.encode(warnings, forKey: .warnings)
        try c.encodeIfPresent(failUnder, forKey: .failUnder)
        try c.encode(seconds, forKey: .seconds)
        try c.encodeIfPresent(passed, forKey: .passed)
        try c.encodeIfPresent(compression, forKey: .compression)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        runId = try c.decodeIfPresent(String.self, forKey: .runId)
        task = try c.decode(String.self, forKey: .task)
        split = try c.decode(String.self, forKey: .split)
        model = try c.decode(String.self, forKey: .model)
        judge = try c.decode(String.self, forKey: .judge)
        judgeFile = try c.decode(String.self, forKey: .judgeFile)
        judgeModel = try c.decode(String.self, forKey: .judgeModel)
        prompts = try c.decode([Prompt].self, forKey: .prompts)
        pairs = try c.decode([Pair].self, forKey: .pairs)
        bradleyTerry = try c.decodeIfPresent(BradleyTerry.self, forKey: .bradleyTerry)
        warnings = try c.decode([String].self, forKey: .warnings)
        failUnder = try c.decodeIfPresent(Double.self, forKey: .failUnder)
        seconds = try c.decode(Double.self, forKey: .seconds)
        compression = try c.decodeIfPresent(CompressionTally.self, forKey: .compression)
    }
}
