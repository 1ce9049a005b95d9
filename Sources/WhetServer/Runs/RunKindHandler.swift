import Foundation
import WhetCore
import WhetProviders
import WhetStore

/// One kind of run the server can run in the background (`OptimizationRunKind`, `EvaluationRunKind`;
/// compare, judge and compress answer in the request instead). The manager owns the run's life — queueing, the lease, the
/// status, the spend, the event stream, cancellation and resumption — and a kind only turns a submission
/// into work.
public protocol RunKindHandler: Sendable {
    var kind: RunKind { get }

    /// Checks a submission whose files are already in `workspace` and returns the job to run, or throws a
    /// `ServiceError` (400 for bad input, 501 for a kind this build cannot run). A restarted server calls
    /// it again to rebuild an unfinished run, so it reads only the submission and the workspace.
    func prepare(_ submission: RunSubmission, workspace: RunWorkspace, environment: RunEnvironment) throws -> any PreparedRun
}

/// A checked submission, ready to run.
public protocol PreparedRun: Sendable {
    /// The run record's description of it.
    var description: RunDescription { get }
    /// The run's limits (the task file's `budget:` overridden by the options).
    var budget: Budget { get }
    var cachePolicy: CachePolicy { get }

    /// Does the work of run `context.runId`, recorded and leased to this process, and records what it
    /// finds in the store as it goes. It may be the second attempt after a crash: calls already made
    /// come back from the response cache, and work already committed for the run should be reused.
    /// Cancellation arrives as task cancellation.
    func execute(_ context: RunContext) async throws -> RunConclusion
}

/// The run record's fields that a kind decides.
public struct RunDescription: Sendable {
    public var taskName: String
    public var taskHash: String
    public var seed: Int64
    /// The options as the run record keeps them.
    public var configJSON: String

    public init(taskName: String, taskHash: String, seed: Int64, configJSON: String) {
        self.taskName = taskName
        self.taskHash = taskHash
        self.seed = seed
        self.configJSON = configJSON
    }
}

/// What a running job gets: its run id, the store, a provider with the run's own ledger and budget
/// over the server's shared model (so runs and API requests batch together), and where to send progress.
public struct RunContext: Sendable {
    public let runId: String
    public let store: LineageStore
    public let provider: ManagedProvider
    public let progress: ProgressSink
}

/// How a run ended, for its record.
public struct RunConclusion: Sendable, Equatable {
    public var bestCandidateId: Int64?
    public var bestDevScore: Double?
    public var testScore: Double?

    public init(bestCandidateId: Int64?, bestDevScore: Double?, testScore: Double?) {
        self.bestCandidateId = bestCandidateId
        self.bestDevScore = bestDevScore
        self.testScore = testScore
    }
}

/// The server's side of every run: its model and store.
public struct RunEnvironment: Sendable {
    /// The model the server serves; runs share it.
    public let base: any ModelProvider
    public let price: PriceTable?
    /// The id the server reports for its model.
    public let modelID: String
    public let store: LineageStore

    public init(base: any ModelProvider, price: PriceTable? = nil, modelID: String, store: LineageStore) {
        self.base = base
        self.price = price
        self.modelID = modelID
        self.store = store
    }

    /// A provider for one run: the shared model behind the response cache, with the run's own ledger.
    func provider(for job: any PreparedRun) -> ManagedProvider {
        ManagedProvider(base: base, cache: job.cachePolicy == .disabled ? nil : SQLiteResponseCache(store: store),
                        cachePolicy: job.cachePolicy, ledger: UsageLedger(budget: job.budget), price: price)
    }
}

/// A kind this server cannot run yet: every submission gets a 501 that says why.
public struct UnavailableRunKind: RunKindHandler {
    public let kind: RunKind
    public let reason: String

    public init(kind: RunKind, reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public func prepare(_ submission: RunSubmission, workspace: RunWorkspace, environment: RunEnvironment) throws -> any PreparedRun {
        throw ServiceError.notImplemented(message: reason)
    }
}
