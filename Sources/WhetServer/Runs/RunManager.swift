import Foundation
import Logging
import WhetCore
import WhetEvaluation
import WhetProviders
import WhetStore

/// Runs submitted runs in the background: at most `maxRuns` at once, the rest `queued` in order of
/// arrival. Every status lives in the lineage store (so `whet runs` and the API agree); a run is leased to
/// this process while it runs, so if the server dies it reads as `interrupted`, and the next server on the
/// same database resumes it from its workspace through the response cache.
public actor RunManager {
    public nonisolated let store: LineageStore
    public nonisolated let environment: RunEnvironment
    public nonisolated let maxRuns: Int
    public nonisolated let feed = RunFeed()
    nonisolated let workspaceRoot: URL
    nonisolated let handlers: [RunKind: any RunKindHandler]
    nonisolated let logger: Logger

    private var queue: [String] = []
    private var prepared: [String: any PreparedRun] = [:]
    private var active: [String: ActiveRun] = [:]
    /// Event logs of the runs this process has handled, the oldest dropped past `keptLogs`.
    private var logs: [String: RunEventLog] = [:]
    private var logOrder: [String] = []
    private var lastFeedProgress: [String: Date] = [:]
    /// Parsed tasks' examples of recent runs, for candidate pages.
    var exampleCache: [String: [String: Example]] = [:]
    static let keptLogs = 200
    /// How often a running run's spend is sent and stored.
    nonisolated let spendInterval: TimeInterval

    struct ActiveRun {
        let task: Task<Void, Never>
        let provider: ManagedProvider
        let baseline: RunSpend
        var cancelRequested = false
    }

    public init(environment: RunEnvironment, handlers: [any RunKindHandler], maxRuns: Int,
                workspaceRoot: URL? = nil, spendInterval: TimeInterval = 1, logger: Logger = Logger(label: "whet.runs")) {
        self.environment = environment
        store = environment.store
        self.maxRuns = max(1, maxRuns)
        self.workspaceRoot = workspaceRoot ?? RunWorkspace.root(forDatabase: environment.store.path)
        var byKind: [RunKind: any RunKindHandler] = [:]
        for handler in handlers { byKind[handler.kind] = handler }
        self.handlers = byKind
        self.spendInterval = spendInterval
        self.logger = logger
    }

    /// The kinds this server accepts on `POST /v1/runs`, and what the others answer.
    public nonisolated func handler(for kind: RunKind) -> (any RunKindHandler)? { handlers[kind] }

    // MARK: submitting

    /// Checks a submission, records it as `queued` and starts it when a slot is free.
    public func submit(_ submission: RunSubmission) throws -> RunRecord {
        guard let handler = handlers[submission.kind] else {
            throw ServiceError.notImplemented(message: "this server does not run '\(submission.kind.rawValue)' runs")
        }
        let id = try newRunId()
        let workspace = RunWorkspace(root: workspaceRoot, runId: id)
        let job: any PreparedRun
        do {
            try workspace.write(submission)
            job = try handler.prepare(submission, workspace: workspace, environment: environment)
            try store.createRun(RunRecord(
                id: id, kind: submission.kind, taskName: job.description.taskName, taskPath: workspace.taskURL.path,
                taskHash: job.description.taskHash, model: environment.modelID, seed: job.description.seed,
                status: .queued, configJSON: job.description.configJSON))
        } catch {
            workspace.remove()
            throw error
        }
        enqueue(id, job: job)
        schedule()
        return try store.run(matching: id)
    }

    private func newRunId() throws -> String {
        for _ in 0..<8 {
            let id = EvaluationRun.newRunId()
            if (try? store.run(matching: id)) == nil, !RunWorkspace(root: workspaceRoot, runId: id).exists { return id }
        }
        throw ServiceError.internalFailure(message: "could not find a free run id")
    }

    private func enqueue(_ id: String, job: any PreparedRun, note: String? = nil) {
        prepared[id] = job
        queue.append(id)
        let log = eventLog(for: id)
        log.publish("status", RunEventBody.Status(status: .queued, queuePosition: queue.count))
        if let note { log.publish("note", RunEventBody.Note(message: note)) }
    }

    /// Starts queued runs while slots are free.
    private func schedule() {
        while active.count < maxRuns, !queue.isEmpty {
            let id = queue.removeFirst()
            guard let job = prepared.removeValue(forKey: id) else { continue }
            launch(id, job: job)
        }
    }

    private func launch(_ id: String, job: any PreparedRun) {
        let log = eventLog(for: id)
        let record: RunRecord
        do {
            record = try store.claimRun(id)
        } catch {
            // Ended elsewhere meanwhile (cancelled through another server), or its store is failing.
            logger.error("run \(id) could not start: \(error.localizedDescription)")
            let now = (try? store.run(matching: id).status) ?? .failed
            log.end(status: now.isActive ? .failed : now, detail: "could not start: \(error.localizedDescription)")
            return
        }
        let provider = environment.provider(for: job)
        let context = RunContext(runId: id, store: store, provider: provider, progress: log.sink)
        log.publish("status", RunEventBody.Status(status: .running, queuePosition: nil))
        let interval = spendInterval
        let task = Task.detached { [weak self] in
            let ticker = Task.detached { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
                    if Task.isCancelled { break }
                    await self?.reportSpend(id)
                }
            }
            let outcome: Result<RunConclusion, Error>
            do {
                outcome = .success(try await job.execute(context))
            } catch {
                outcome = .failure(error)
            }
            ticker.cancel()
            await self?.complete(id, outcome)
        }
        active[id] = ActiveRun(task: task, provider: provider, baseline: record.spend ?? RunSpend())
    }

    /// The spend so far: what earlier attempts stored plus this attempt's ledger.
    private func spend(of run: ActiveRun) async -> RunSpend {
        var now = RunSpend()
        for usage in await run.provider.ledger.all().values {
            now = now + RunSpend(calls: usage.calls, cacheHits: usage.cacheHits, promptTokens: usage.usage.promptTokens,
                                 completionTokens: usage.usage.completionTokens, costUSD: usage.costUSD)
        }
        return run.baseline + now
    }

    private var lastSpend: [String: RunSpend] = [:]

    private func reportSpend(_ id: String) async {
        guard let run = active[id] else { return }
        let spend = await spend(of: run)
        guard spend != lastSpend[id] else { return }
        lastSpend[id] = spend
        try? store.recordSpend(id, spend)
        eventLog(for: id).publish("spend", SpendView(spend))
    }

    private func complete(_ id: String, _ outcome: Result<RunConclusion, Error>) async {
        guard let run = active[id] else { return }
        let spend = await spend(of: run)
        lastSpend[id] = nil
        try? store.recordSpend(id, spend)
        let log = eventLog(for: id)
        log.publish("spend", SpendView(spend))
        let status: RunStatus
        var detail: String?
        var conclusion = RunConclusion(bestCandidateId: nil, bestDevScore: nil, testScore: nil)
        switch outcome {
        case .success(let value):
            status = .finished
            conclusion = value
        case .failure(let error):
            if run.cancelRequested || error is CancellationError {
                status = .cancelled
                detail = "cancelled by a client while running"
            } else {
                status = .failed
                detail = error.localizedDescription
            }
            // Whatever it committed before it stopped stays; the best so far is the best-scored candidate.
            conclusion = bestSoFar(id)
        }
        do {
            try store.finishRun(id, status: status, bestCandidateId: conclusion.bestCandidateId,
                                bestDevScore: conclusion.bestDevScore, testScore: conclusion.testScore, detail: detail)
        } catch {
            logger.error("run \(id) ended \(status.rawValue) but the store refused it: \(error.localizedDescription)")
        }
        active[id] = nil
        log.end(status: status, detail: detail)
        schedule()
    }

    private func bestSoFar(_ id: String) -> RunConclusion {
        let candidates = (try? store.candidates(run: id)) ?? []
        guard let best = candidates.filter({ $0.devScore != nil }).max(by: { $0.devScore! < $1.devScore! }) else {
            return RunConclusion(bestCandidateId: nil, bestDevScore: nil, testScore: nil)
        }
        return RunConclusion(bestCandidateId: best.id, bestDevScore: best.devScore, testScore: best.testScore)
    }

    // MARK: cancelling

    /// Cancels a queued or running run (or an interrupted one, so it is not resumed). A running run
    /// stops at its next model call; this waits up to `wait` seconds for it to end.
    public func cancel(_ idOrPrefix: String, wait: TimeInterval = 10) async throws -> RunRecord {
        let run = try store.run(matching: idOrPrefix)
        if let index = queue.firstIndex(of: run.id) {
            queue.remove(at: index)
            prepared[run.id] = nil
            try store.finishRun(run.id, status: .cancelled, bestCandidateId: nil, bestDevScore: nil, testScore: nil,
                                detail: "cancelled by a client while queued")
            eventLog(for: run.id).end(status: .cancelled, detail: "cancelled by a client while queued")
            return try store.run(matching: run.id)
        }
        if var current = active[run.id] {
            current.cancelRequested = true
            active[run.id] = current
            let task = current.task
            task.cancel()
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await task.value }
                group.addTask { try? await Task.sleep(nanoseconds: UInt64(wait * 1e9)) }
                await group.next()
                group.cancelAll()
            }
            return try store.run(matching: run.id)
        }
        switch run.status {
        case .interrupted, .queued:
            // Its process is gone (or it waits for another server): the store is where it ends.
            try store.finishRun(run.id, status: .cancelled, bestCandidateId: run.bestCandidateId, bestDevScore: run.bestDevScore,
                                testScore: run.testScore, detail: "cancelled by a client while \(run.status.rawValue)")
            return try store.run(matching: run.id)
        case .running:
            throw ServiceError.conflict(message: "run \(run.id) is run by another process (pid \(run.ownerPid.map(String.init) ?? "?") "
                                        + "on \(run.ownerHost ?? "?")); cancel it there")
        default:
            throw ServiceError.conflict(message: "run \(run.id) has already ended (\(run.status.rawValue)); "
                                        + "only queued, running or interrupted runs can be cancelled")
        }
    }

    // MARK: resuming

    /// Takes back the server runs that were in progress when an earlier server on this database stopped
    /// (interrupted or queued, with a workspace), oldest first, and queues them. Returns their ids.
    @discardableResult
    public func resumeUnfinished() throws -> [String] {
        var resumed: [String] = []
        for run in try store.runs().reversed() where run.status == .interrupted || run.status == .queued {
            guard active[run.id] == nil, !queue.contains(run.id) else { continue }
            let workspace = RunWorkspace(root: workspaceRoot, runId: run.id)
            guard workspace.exists else { continue }
            do {
                let submission = try workspace.readSubmission()
                guard let handler = handlers[run.kind] else {
                    throw ServiceError.notImplemented(message: "this server does not run '\(run.kind.rawValue)' runs")
                }
                let job = try handler.prepare(submission, workspace: workspace, environment: environment)
                if run.status == .interrupted { try store.setStatus(run.id, .queued) }
                enqueue(run.id, job: job, note: run.status == .interrupted ? "resumed after the server restarted" : nil)
                resumed.append(run.id)
            } catch {
                let detail = "could not be resumed: \(error.localizedDescription)"
                try? store.finishRun(run.id, status: .failed, bestCandidateId: run.bestCandidateId,
                                     bestDevScore: run.bestDevScore, testScore: run.testScore, detail: detail)
                logger.error("run \(run.id) \(detail)")
            }
        }
        schedule()
        return resumed
    }

    // MARK: reading

    /// The event log of a run this process has handled, made on first use.
    func eventLog(for id: String) -> RunEventLog {
        if let log = logs[id] { return log }
        let log = RunEventLog(runId: id) { [weak self] event in
            guard let self else { return }
            Task { await self.feedChanged(id, event: event) }
        }
        logs[id] = log
        logOrder.append(id)
        while logOrder.count > Self.keptLogs, let oldest = logOrder.first, logs[oldest]?.isEnded ?? true {
            logOrder.removeFirst()
            logs[oldest] = nil
        }
        return log
    }

    /// The log of a run handled by this process, if it still has it.
    public func existingLog(for id: String) -> RunEventLog? { logs[id] }

    public func queuePosition(of id: String) -> Int? { queue.firstIndex(of: id).map { $0 + 1 } }
    public func isActive(_ id: String) -> Bool { active[id] != nil }
    /// Whether a cancel has been asked of this running run (it stops before its next model call).
    public func isCancelling(_ id: String) -> Bool { active[id]?.cancelRequested ?? false }
    public var activeCount: Int { active.count }
    public var queuedCount: Int { queue.count }

    /// The live parts of a run's summary: its place in the queue and its stage.
    func live(_ id: String) -> (queuePosition: Int?, progress: RunEventBody.Stage?) {
        (queuePosition(of: id), logs[id]?.progress)
    }

    private func feedChanged(_ id: String, event: RunEvent) async {
        guard feed.subscriberCount > 0 else { return }
        if event.name == "stage" || event.name == "spend" {
            let now = Date()
            guard now.timeIntervalSince(lastFeedProgress[id] ?? .distantPast) >= 1 else { return }
            lastFeedProgress[id] = now
        }
        guard let record = try? store.run(matching: id) else { return }
        feed.publish("run", await view(of: record))
    }

    /// Cancels nothing and stops the feed: runs in flight stay leased until the process exits, and the
    /// next server resumes them.
    public nonisolated func shutdown() { feed.close() }
}
