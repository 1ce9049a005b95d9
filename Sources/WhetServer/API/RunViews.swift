import Foundation
import WhetCore
import WhetStore

/// What a run has spent, as the API shows it.
public struct SpendView: Codable, Sendable, Equatable {
    public var calls: Int
    public var cacheHits: Int
    public var promptTokens: Int
    public var completionTokens: Int
    public var tokens: Int
    public var costUSD: Double

    public init(_ spend: RunSpend) {
        calls = spend.calls
        cacheHits = spend.cacheHits
        promptTokens = spend.promptTokens
        completionTokens = spend.completionTokens
        tokens = spend.tokens
        costUSD = spend.costUSD
    }
}

/// A run's summary: `GET /v1/runs` lists them, `GET /v1/runs/{id}` adds the best prompt's text.
public struct RunView: Codable, Sendable {
    public struct Best: Codable, Sendable {
        public var candidate: Int64
        public var dev: Double?
        public var test: Double?
        public var instruction: String?
    }
    public struct Scores: Codable, Sendable {
        public var dev: Double?
        public var test: Double?
    }

    public var id: String
    public var kind: RunKind
    public var status: RunStatus
    public var task: String
    public var model: String
    public var seed: Int64
    public var createdAt: Date
    public var finishedAt: Date?
    public var best: Best?
    public var scores: Scores
    public var spend: SpendView?
    public var progress: RunEventBody.Stage?
    public var queuePosition: Int?
    public var candidates: Int
    public var detail: String?
    public var options: JSONValue?

    init(_ run: RunRecord, live: (queuePosition: Int?, progress: RunEventBody.Stage?), candidates: Int,
         bestInstruction: String? = nil) {
        id = run.id
        kind = run.kind
        status = run.status
        task = run.taskName
        model = run.model
        seed = run.seed
        createdAt = run.createdAt
        finishedAt = run.finishedAt
        best = run.bestCandidateId.map { Best(candidate: $0, dev: run.bestDevScore, test: run.testScore, instruction: bestInstruction) }
        scores = Scores(dev: run.bestDevScore, test: run.testScore)
        spend = run.spend.map(SpendView.init)
        progress = run.status == .running ? live.progress : nil
        queuePosition = run.status == .queued ? live.queuePosition : nil
        self.candidates = candidates
        detail = run.detail
        options = try? JSONDecoder().decode(JSONValue.self, from: Data(run.configJSON.utf8))
    }
}

public struct RunListView: Codable, Sendable {
    public var runs: [RunView]
}

/// A run's candidates as a graph: parents to children, and the path from a root to the best.
public struct LineageView: Codable, Sendable {
    public struct Node: Codable, Sendable {
        public var id: Int64
        public var parents: [Int64]
        public var `operator`: String
        public var round: Int
        public var instruction: String
        public var devScore: Double?
        public var testScore: Double?
        public var createdAt: Date
    }
    public var run: RunView
    public var candidates: [Node]
    public var bestPath: [Int64]

    init(run: RunView, graph: LineageGraph) {
        self.run = run
        candidates = graph.candidates.compactMap { c in
            c.id.map { id in
                Node(id: id, parents: graph.parents(of: id).sorted(), operator: c.operatorName, round: c.round,
                     instruction: c.instruction, devScore: c.devScore, testScore: c.testScore, createdAt: c.createdAt)
            }
        }
        bestPath = graph.run.bestCandidateId.map(graph.pathFromRoot(to:)) ?? []
    }
}

/// One candidate: its prompt (with its first parent's, for a diff), exemplars, verbalizers, and every
/// output with its score. Inputs and references come from the task when the server has it.
public struct CandidateView: Codable, Sendable {
    public struct Parent: Codable, Sendable {
        public var id: Int64
        public var instruction: String
    }
    public struct Evaluation: Codable, Sendable {
        public var exampleId: String
        public var split: Split
        public var input: [String: String]?
        public var reference: String?
        public var output: String
        public var score: Double?
        public var promptTokens: Int
        public var completionTokens: Int
        public var latencyMs: Double
    }
    public struct SplitSummary: Codable, Sendable {
        public var split: Split
        public var count: Int
        public var mean: Double?
    }

    public var id: Int64
    public var run: String
    public var parents: [Int64]
    public var `operator`: String
    public var round: Int
    public var instruction: String
    public var parent: Parent?
    public var exemplars: JSONValue
    public var verbalizers: JSONValue
    public var devScore: Double?
    public var testScore: Double?
    public var createdAt: Date
    public var isBest: Bool
    public var summary: [SplitSummary]
    public var evaluations: [Evaluation]
}
