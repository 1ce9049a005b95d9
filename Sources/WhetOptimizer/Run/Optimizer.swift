import Foundation
import WhetCore
import WhetEmbeddings
import WhetEvaluation
import WhetProviders
import WhetStore

/// The models a run talks to: the task model (scores candidates) and the proposer (writes
/// instructions from meta-prompts; the task model unless `--optimizer-model` names another).
public struct OptimizerModels: Sendable {
    public var task: ModelProvider
    public var proposer: ModelProvider
    public var taskPrice: PriceTable?
    public var proposerPrice: PriceTable?
    /// Where real model calls and cache hits are counted (the managed providers' ledgers).
    public var ledgers: [UsageLedger]
    /// Compresses the task's `compress:` fields before the task model sees them.
    public var compression: ExampleCompressor?

    public init(task: ModelProvider, proposer: ModelProvider? = nil, taskPrice: PriceTable? = nil,
                proposerPrice: PriceTable? = nil, ledgers: [UsageLedger] = [], compression: ExampleCompressor? = nil) {
        self.task = task
        self.compression = compression
        self.proposer = proposer ?? task
        self.taskPrice = taskPrice
        self.proposerPrice = proposerPrice ?? (proposer == nil ? taskPrice : nil)
        self.ledgers = ledgers
    }
}

/// One optimisation run: carve the selection examples out of train, propose candidates,
/// rank them by successive halving on growing selection minibatches, evaluate the
/// finalists on dev, keep the seed unless a finalist beats it on dev beyond the noise, and
/// score the seed and the chosen prompt on test once, at the end. Deterministic for a
/// seed: a resumed run replays every step from the response cache.
public final class Optimizer {
    public let task: TaskFile
    public let models: OptimizerModels
    public let config: OptimizerRunConfig
    public let runId: String
    let settings: OptimizerSettings
    let recorder: RunRecorder
    let scorer: CandidateScorer
    let embeddings: ExampleEmbeddings
    let proposer: InstructionProposer
    let sampler: ExemplarSampler
    let selection: [Example]
    let dev: [Example]
    let test: [Example]
    let emit: ProgressSink
    let resumed: Bool

    var account: SpendAccount
    var arms: [Arm] = []
    var rng: SeededGenerator
    /// Selection results and content-free scores by prompt: candidates that differ only in
    /// their readout share every call.
    var memo: [String: [ScoredExample]] = [:]
    var contentFreeMemo: [String: [WordScores]] = [:]
    var devEstimates: [String: Spend] = [:]
    var plannedCalls = 0
    var phase = "starting"
    var bestOrdinal: Int?
    var stopReason: String?
    var candidateLimit = 0
    /// Examples of the final paired test (dev and unused pool examples).
    var confirmationSize = 0
    /// Candidates a proposal step already evaluated (the exemplar bandit's picks).
    var pendingArms: [Arm] = []

    public init(task: TaskFile, models: OptimizerModels, embedder: SentenceEmbedder, prompts: MetaPrompts,
                store: LineageStore, config: OptimizerRunConfig, runId: String, resumed: Bool = false,
                progress: @escaping ProgressSink = { _ in }) throws {
        guard task.metric != .judge else { throw OptimizerError.internalState("\(task.path): judge-metric tasks are searched by JudgedOptimizer") }
        guard !task.data.train.isEmpty else { throw OptimizerError.noExamples(task: task.path, split: "train") }
        guard !task.data.dev.isEmpty else { throw OptimizerError.noExamples(task: task.path, split: "dev") }
        guard !task.data.test.isEmpty else { throw OptimizerError.noExamples(task: task.path, split: "test") }
        self.task = task
        self.models = models
        self.config = config
        self.runId = runId
        self.settings = config.settings
        self.resumed = resumed
        self.emit = progress
        rng = SeededGenerator(seed: config.settings.seed)
        let shuffled = task.data.train.shuffled(using: &rng)
        let selectionCount = min(settings.selectionSize, max(1, shuffled.count / 2))
        selection = Array(shuffled.prefix(selectionCount))
        var pool = Array(shuffled.dropFirst(selectionCount))
        if pool.isEmpty { pool = selection }
        dev = task.data.dev
        test = task.data.test
        embeddings = ExampleEmbeddings(embedder: embedder, template: task.template)
        let labels: [LabelVerbalizer]? = { if case .label(let l) = task.answer { return l } else { return nil } }()
        sampler = ExemplarSampler(pool: pool, labels: labels)
        scorer = CandidateScorer(task: task, provider: models.task, parallelism: settings.parallelism,
                                 neighbours: try NeighbourIndex(pool: pool, embeddings: embeddings), embeddings: embeddings,
                                 price: models.taskPrice, sealed: Set(task.data.test.map(\.id)), compression: models.compression)
        proposer = InstructionProposer(provider: models.proposer, prompts: prompts, task: task, price: models.proposerPrice)
        recorder = RunRecorder(store: store, runId: runId)
        account = SpendAccount(limits: settings.limits)
        try plan(seed: Candidate.seed(for: task))
    }

    var isLabelTask: Bool { scorer.labels != nil }

    // MARK: - The run

    public func run() async throws -> OptimizationSummary {
        do {
            let summary = try await runSteps()
            emit(.finished(status: "finished"))
            return summary
        } catch {
            recorder.fail()
            emit(.finished(status: "failed"))
            throw error
        }
    }

    private func runSteps() async throws -> OptimizationSummary {
        let seed = Arm(ordinal: 0, candidate: Candidate.seed(for: task), operatorName: "seed", parents: [], round: 0,
                       fixedReadout: true)
        emit(.note("\(resumed ? "resuming" : "optimizing") \(task.name): run \(runId), \(selection.count) selection, "
            + "\(sampler.pool.count) pool, \(dev.count) dev, \(test.count) test examples; about \(plannedCalls) requests planned"))
        try add(seed)

        phase = "seed"
        do {
            try await extend(seed, to: selection.count)
            try await proposeWeightedReadout(seed: seed)
            phase = "round 1"
            let first = try await propose(round: 1, survivors: [])
            let round1 = try await halving(first, round: 1)
            phase = "round 2"
            let second = try await propose(round: 2, survivors: round1)
            _ = try await halving(second, round: 2)
        } catch let stop as BudgetStop {
            stopReason = "budget: \(stop.reason)"
            emit(.note("the next step would exceed the budget (\(stop.reason)): the search ends with the best so far"))
        } catch ProviderError.budgetExceeded(let limit, _, _) {
            stopReason = "budget: \(limit)"
            emit(.note("the provider's budget (\(limit)) stopped the search: it ends with the best so far"))
        }
        return try await finish(seed: seed)
    }

    // MARK: - Planning

    /// Rung sizes on the selection examples: a quarter, a half, all (at least 8).
    var rungs: [Int] {
        let n = selection.count
        var sizes: [Int] = []
        for divisor in [4, 2, 1] {
            let size = min(n, max(8, n / divisor))
            if sizes.last != size { sizes.append(size) }
        }
        return sizes
    }

    /// Calls a successive-halving round over `count` new candidates costs.
    func halvingCalls(_ count: Int) -> Int {
        var alive = count, total = 0, done = 0
        for (r, size) in rungs.enumerated() {
            total += alive * (size - done)
            done = size
            if r < rungs.count - 1 { alive = max(min(alive, 2), (alive + 1) / 2) }
        }
        return total
    }

    /// Pool examples the finals may add to dev for the paired test (at most).
    var confirmationCount: Int { min(settings.confirmationSize, sampler.pool.count == selection.count ? 0 : sampler.pool.count) }

    var finalCalls: Int { (settings.finalists + 1) * (dev.count + confirmationCount) + 2 * test.count }

    /// Sizes the run to the budget: as many candidates as the call limit allows (up to the
    /// task's or the command line's cap), or an error, before anything is recorded, if not even
    /// the seed's evaluation fits.
    func plan(seed: Candidate) throws {
        let cap = max(1, settings.limits.maxCandidates ?? settings.defaultCandidates)
        let perCandidateExtra = isLabelTask ? 3 : 0
        func calls(_ candidates: Int) -> Int {
            let fresh = max(0, candidates - 1)
            let first = (fresh * 3 + 4) / 5
            return selection.count + halvingCalls(first) + halvingCalls(fresh - first) + fresh * perCandidateExtra + 8
                + (fresh > 0 ? 32 : 0) + finalCalls + weightedReadoutCalls
        }
        candidateLimit = cap
        if let maxCalls = settings.limits.maxCalls {
            while candidateLimit > 1 && calls(candidateLimit) > maxCalls { candidateLimit -= 1 }
        }
        plannedCalls = calls(candidateLimit)
        let devCost = try scorer.estimate(seed, on: dev)
        let testCost = try scorer.estimate(seed, on: test)
        let minimum = Spend(calls: dev.count + 2 * test.count + rungs[0],
                            tokens: devCost.tokens + 2 * testCost.tokens, costUSD: devCost.costUSD + 2 * testCost.costUSD)
        if let reason = account.exceeded(by: minimum), !reason.hasPrefix("time") {
            throw OptimizerError.budgetTooSmall(
                limit: settings.limits.summary,
                evaluation: "one evaluation of the seed prompt on the \(dev.count) dev examples costs \(devCost.calls) calls and about "
                    + "\(devCost.tokens) tokens" + (devCost.costUSD > 0 ? String(format: " ($%.4f)", devCost.costUSD) : ""),
                needed: "\(minimum.calls) calls and about \(minimum.tokens) tokens (the seed on dev, the seed and the chosen "
                    + "prompt on the \(test.count) test examples, and a first selection round)")
        }
    }

    /// What the finals still need: the seed and the finalists on dev, two prompts on test,
    /// each at the costliest per-example estimate seen so far.
    func finalReserve() throws -> (Spend, Double) {
        var worst = Spend()
        for arm in arms {
            let key = arm.candidate.promptKey.json()
            if devEstimates[key] == nil {
                devEstimates[key] = try scorer.estimate(arm.candidate, on: Array(dev.prefix(16)))
            }
            let e = devEstimates[key]!
            if e.tokens > worst.tokens || e.costUSD > worst.costUSD { worst = e }
        }
        let perCall = Double(worst.tokens) / Double(max(1, worst.calls)) * 1.25
        let perCost = worst.costUSD / Double(max(1, worst.calls)) * 1.25
        let calls = finalCalls
        let rate = account.spent.calls > 0 ? account.seconds / Double(account.spent.calls) : 0
        return (Spend(calls: calls, tokens: Int(perCall * Double(calls)), costUSD: perCost * Double(calls)), rate * Double(calls))
    }

    func checkBudget(_ estimate: Spend) throws {
        let (reserve, seconds) = try finalReserve()
        if let reason = account.exceeded(by: estimate, reserve: reserve, reserveSeconds: seconds) { throw BudgetStop(reason: reason) }
    }

    // MARK: - Candidates and their evaluation

    @discardableResult
    func add(_ arm: Arm) throws -> Arm {
        arm.id = try recorder.record(arm, parents: arm.parents.compactMap { p in arms.first { $0.ordinal == p }?.id })
        arms.append(arm)
        return arm
    }

    func newArm(_ candidate: Candidate, _ operatorName: String, parents: [Arm], round: Int) -> Arm {
        Arm(ordinal: arms.count, candidate: candidate, operatorName: operatorName, parents: parents.map(\.ordinal), round: round)
    }

    /// Evaluates `arm` on the first `n` selection examples (only the ones not yet scored
    /// for its prompt), re-reads its score and records it.
    func extend(_ arm: Arm, to n: Int) async throws {
        let n = min(n, selection.count)
        guard arm.selection.count < n else { return }
        let key = arm.candidate.promptKey.json()
        let have = memo[key] ?? []
        if have.count < n {
            let needed = Array(selection[have.count..<n])
            var estimate = try scorer.estimate(arm.candidate, on: needed)
            let wantsContext = isLabelTask && settings.allows(.readout) && !arm.fixedReadout && contentFreeMemo[key] == nil
            if wantsContext { estimate += Spend(calls: 3, tokens: estimate.tokens / max(1, needed.count) * 3) }
            try checkBudget(estimate)
            let (results, spend) = try await scorer.score(arm.candidate, on: needed)
            account.add(spend)
            memo[key] = have + results
            if wantsContext {
                let (free, extra) = try await scorer.contentFree(arm.candidate)
                account.add(extra)
                contentFreeMemo[key] = free
            }
        }
        let before = arm.selection.count
        arm.selection = Array(memo[key]!.prefix(n))
        rescore(arm)
        try recorder.recordScores(arm, new: Array(arm.selection[before...]), split: .train, selection: true)
        emit(.candidate(id: arm.id, operatorName: arm.operatorName, score: arm.score))
        updateBest()
        await emitProgress()
    }

    /// Label tasks: re-choose the readout on the results so far (nested cross-validation)
    /// and relabel the outputs; other tasks: the metric's scores.
    func rescore(_ arm: Arm) {
        guard let labels = scorer.labels else {
            arm.selectionScores = arm.selection.map(\.score)
            return
        }
        let readout: Readout
        if arm.fixedReadout || !settings.allows(.readout) {
            readout = Readout.seed(labels: labels)
            arm.selectionScores = relabel(arm.selection, readout, examples: selection).map(\.score)
        } else {
            let key = arm.candidate.promptKey.json()
            let chooser = ReadoutSelection(task: labels, answerWords: arm.candidate.answerWords,
                                           contextual: contentFreeMemo[key] != nil)
            let rows = zip(arm.selection, selection).map { (scores: $0.words ?? WordScores(logprobs: [:], tokens: [:]),
                                                           label: referenceLabel($1) ?? "") }
            let result = chooser.select(rows, contentFree: contentFreeMemo[key] ?? [])
            readout = result.readout
            arm.selectionScores = result.heldOutScores
        }
        arm.candidate.readout = readout
        arm.selection = relabel(arm.selection, readout, examples: selection)
    }

    func referenceLabel(_ example: Example) -> String? {
        guard let labels = scorer.labels, let answer = example.answer else { return nil }
        return AnswerText.label(in: answer, labels: labels)
    }

    /// Label outputs and scores under `readout` (the word scores stay).
    func relabel(_ results: [ScoredExample], _ readout: Readout, examples: [Example]) -> [ScoredExample] {
        guard scorer.labels != nil else { return results }
        return zip(results, examples).map { r, e in
            var copy = r
            if let words = r.words {
                copy.output = readout.decide(words)
                copy.score = copy.output == referenceLabel(e) ? 1 : 0
            }
            return copy
        }
    }

    func updateBest() {
        let full = arms.filter { $0.selection.count == selection.count }
        guard let top = Arm.ranked(full, by: \.score).first, top.ordinal != bestOrdinal else { return }
        bestOrdinal = top.ordinal
        emit(.best(id: top.id, score: top.score))
    }

    /// The stage (requests against the plan) and what the run has spent: model calls and cache
    /// hits from the ledgers, tokens and cost as the run counts them.
    func emitProgress() async {
        plannedCalls = max(plannedCalls, account.spent.calls)
        emit(.stage(name: phase, done: account.spent.calls, total: plannedCalls))
        let (calls, hits) = await ledgerCounts()
        emit(.spend(calls: calls, cacheHits: hits, tokens: account.spent.tokens, costUSD: account.spent.costUSD))
    }

    /// Model calls and cache hits over every ledger the run's providers write to.
    func ledgerCounts() async -> (calls: Int, cacheHits: Int) {
        var calls = 0, hits = 0
        var seen = Set<ObjectIdentifier>()
        for ledger in models.ledgers where seen.insert(ObjectIdentifier(ledger)).inserted {
            calls += await ledger.spentCalls
            hits += await ledger.cacheHits
        }
        return (calls, hits)
    }

    // MARK: - Successive halving

    /// Ranks new candidates on growing selection minibatches, keeping the better half at
    /// each rung; `keep` survivors of earlier rounds (already fully evaluated) compete in
    /// the ranking. Returns the arms that reached the last rung, best first.
    func halving(_ fresh: [Arm], round: Int, keep: [Arm] = []) async throws -> [Arm] {
        var alive = fresh
        for (r, size) in rungs.enumerated() {
            for arm in alive { try await extend(arm, to: size) }
            if r == rungs.count - 1 { break }
            let count = max(min(alive.count, 2), (alive.count + 1) / 2)
            alive = Array(Arm.ranked(alive, by: \.score).prefix(count))
        }
        return Arm.ranked(alive + keep, by: \.score)
    }
}
