import Foundation
import GRDB
import WhetCore

/// What a run does.
public enum RunKind: String, Codable, Sendable, CaseIterable {
    case optimize, evaluate, compare, judge, compress
}

/// Where a run stands. `interrupted` is a run whose process died without finishing it (the store
/// sees its lock released); `queued` waits for a slot on a server.
public enum RunStatus: String, Codable, Sendable, CaseIterable {
    case queued, running, finished, failed, interrupted, cancelled

    public var isActive: Bool { self == .queued || self == .running }
}

/// One optimisation, evaluation or comparison run.
public struct RunRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "runs"
    public var id: String
    public var kind: RunKind
    public var taskName: String
    public var taskPath: String
    public var taskHash: String
    public var model: String
    public var seed: Int64
    public var status: RunStatus
    public var configJSON: String
    public var createdAt: Date
    public var finishedAt: Date?
    public var bestCandidateId: Int64?
    public var bestDevScore: Double?
    public var testScore: Double?
    /// The machine and process running it, and when that process last said it was alive.
    public var ownerHost: String?
    public var ownerPid: Int64?
    public var heartbeatAt: Date?
    /// The optimizer's final report (JSON), once the run has finished.
    public var summaryJSON: String?
    /// What the run has spent on models (a server keeps it current while the run goes).
    public var spend: RunSpend?
    /// Why a run failed or was cancelled, in a sentence.
    public var detail: String?

    public init(id: String, kind: RunKind, taskName: String, taskPath: String, taskHash: String, model: String,
                seed: Int64, status: RunStatus = .running, configJSON: String = "{}", createdAt: Date = Date(),
                finishedAt: Date? = nil, bestCandidateId: Int64? = nil, bestDevScore: Double? = nil, testScore: Double? = nil) {
        self.id = id; self.kind = kind; self.taskName = taskName; self.taskPath = taskPath; self.taskHash = taskHash
        self.model = model; self.seed = seed; self.status = status; self.configJSON = configJSON
        self.createdAt = createdAt; self.finishedAt = finishedAt; self.bestCandidateId = bestCandidateId
        self.bestDevScore = bestDevScore; self.testScore = testScore
    }
}

/// Model calls and tokens a run has spent; cache hits cost nothing.
public struct RunSpend: Codable, Sendable, Equatable {
    public var calls: Int
    public var cacheHits: Int
    public var promptTokens: Int
    public var completionTokens: Int
    public var costUSD: Double

    public init(calls: Int = 0, cacheHits: Int = 0, promptTokens: Int = 0, completionTokens: Int = 0, costUSD: Double = 0) {
        self.calls = calls; self.cacheHits = cacheHits; self.promptTokens = promptTokens
        self.completionTokens = completionTokens; self.costUSD = costUSD
    }

    public var tokens: Int { promptTokens + completionTokens }

    public static func + (a: RunSpend, b: RunSpend) -> RunSpend {
        RunSpend(calls: a.calls + b.calls, cacheHits: a.cacheHits + b.cacheHits, promptTokens: a.promptTokens + b.promptTokens,
                 completionTokens: a.completionTokens + b.completionTokens, costUSD: a.costUSD + b.costUSD)
    }
}

/// A prompt the optimizer proposed: instruction, exemplars, verbalizers, and
/// where it came from (parents + operator + round).
public struct CandidateRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "candidates"
    public var id: Int64?
    public var runId: String
    public var instruction: String
    public var exemplarsJSON: String      // [{"id":..,"fields":{..},"answer":..}]
    public var verbalizersJSON: String    // [{"label":..,"verbalizers":[..]}]
    public var operatorName: String       // seed | rewrite | crossover | exemplar-swap | ...
    public var round: Int
    public var devScore: Double?
    public var testScore: Double?
    public var createdAt: Date
    /// Position in the optimizer's sequence of candidates (nil for evaluation runs).
    public var ordinal: Int?
    /// The optimizer's full candidate (format line, exemplar policy, readout) as JSON.
    public var specJSON: String
    /// Mean score on the selection examples (train examples kept out of the exemplar pool).
    public var selectionScore: Double?
    public var selectionCount: Int?

    public init(id: Int64? = nil, runId: String, instruction: String, exemplarsJSON: String = "[]",
                verbalizersJSON: String = "[]", operatorName: String, round: Int, devScore: Double? = nil,
                testScore: Double? = nil, createdAt: Date = Date(), ordinal: Int? = nil, specJSON: String = "{}",
                selectionScore: Double? = nil, selectionCount: Int? = nil) {
        self.id = id; self.runId = runId; self.instruction = instruction; self.exemplarsJSON = exemplarsJSON
        self.verbalizersJSON = verbalizersJSON; self.operatorName = operatorName; self.round = round
        self.devScore = devScore; self.testScore = testScore; self.createdAt = createdAt
        self.ordinal = ordinal; self.specJSON = specJSON; self.selectionScore = selectionScore
        self.selectionCount = selectionCount
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One output of one candidate on one example.
public struct EvaluationRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "evaluations"
    public var id: Int64?
    public var candidateId: Int64
    public var exampleId: String
    public var split: Split
    public var output: String
    public var score: Double?
    public var promptTokens: Int
    public var completionTokens: Int
    public var latencyMs: Double
    public var createdAt: Date

    public init(id: Int64? = nil, candidateId: Int64, exampleId: String, split: Split, output: String, score: Double?,
                promptTokens: Int, completionTokens: Int, latencyMs: Double, createdAt: Date = Date()) {
        self.id = id; self.candidateId = candidateId; self.exampleId = exampleId; self.split = split
        self.output = output; self.score = score; self.promptTokens = promptTokens
        self.completionTokens = completionTokens; self.latencyMs = latencyMs; self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Which candidate's output a judge saw first.
public enum PairOrder: String, Codable, Sendable, CaseIterable { case ab, ba }

/// Which candidate's output a judge preferred.
public enum PairVerdict: String, Codable, Sendable, CaseIterable { case a, b, tie }

/// A pairwise verdict between two candidates' outputs on one example, in one order.
public struct JudgmentRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "judgments"
    public var id: Int64?
    public var runId: String
    public var candidateA: Int64
    public var candidateB: Int64
    public var exampleId: String
    public var order: PairOrder
    public var verdict: PairVerdict
    public var probability: Double?
    public var judge: String
    public var createdAt: Date
    /// Hash of the judge's identity, the example as the judge saw it and both outputs: a later
    /// comparison with the same key reuses the judgment instead of asking again.
    public var pairKey: String?
    public var reason: String?
    /// How the verdict was read: logprobs | generated | unparsed | signals | scores | rubric | identical.
    public var method: String?

    public init(id: Int64? = nil, runId: String, candidateA: Int64, candidateB: Int64, exampleId: String,
                order: PairOrder, verdict: PairVerdict, probability: Double?, judge: String, createdAt: Date = Date(),
                pairKey: String? = nil, reason: String? = nil, method: String? = nil) {
        self.id = id; self.runId = runId; self.candidateA = candidateA; self.candidateB = candidateB
        self.exampleId = exampleId; self.order = order; self.verdict = verdict; self.probability = probability
        self.judge = judge; self.createdAt = createdAt; self.pairKey = pairKey; self.reason = reason; self.method = method
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A cached model call, keyed by a hash of the full request (model, messages,
/// sampling parameters, sample index), so reruns and resumed runs cost nothing.
public struct ModelCallRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "model_calls"
    public var key: String
    public var model: String
    public var requestJSON: String
    public var responseJSON: String
    public var promptTokens: Int
    public var completionTokens: Int
    public var latencyMs: Double
    public var createdAt: Date

    public init(key: String, model: String, requestJSON: String, responseJSON: String, promptTokens: Int,
                completionTokens: Int, latencyMs: Double, createdAt: Date = Date()) {
        self.key = key; self.model = model; self.requestJSON = requestJSON; self.responseJSON = responseJSON
        self.promptTokens = promptTokens; self.completionTokens = completionTokens; self.latencyMs = latencyMs
        self.createdAt = createdAt
    }
}

extension RunKind: DatabaseValueConvertible {}
extension RunStatus: DatabaseValueConvertible {}
extension PairOrder: DatabaseValueConvertible {}
extension PairVerdict: DatabaseValueConvertible {}
extension Split: DatabaseValueConvertible {}
