import Foundation
import WhetCore
import WhetEmbeddings
import WhetProviders
import WhetStore

/// SPO (Self-Supervised Prompt Optimization, Xiang et al. 2025) for judge-metric tasks, which
/// have no reference answers: each round a proposer rewrites the incumbent prompt from its
/// outputs and those of the last prompt it beat (the `rewrite-from-comparison` meta-prompt,
/// with a model-free rewrite when the reply holds no usable prompt); the judge compares the
/// challenger's outputs with the incumbent's on a few train inputs in both orders, and the
/// challenger takes over when it wins more than it loses. The last incumbent replaces the
/// seed only if it beats the seed on dev beyond the noise (sign test over the judged pairs);
/// the seed and the chosen prompt are judged against each other once, on test, at the end.
/// Scores are win rates against the seed (ties count half; the seed's own is 0.5).
public final class JudgedOptimizer {
    public let task: TaskFile
    public let models: OptimizerModels
    public let judge: OutputJudge
    public let config: OptimizerRunConfig
    public let runId: String
    let settings: OptimizerSettings
    let recorder: RunRecorder
    let scorer: CandidateScorer
    let proposer: InstructionProposer
    let samples: [Example]
    let dev: [Example]
    let test: [Example]
    let emit: ProgressSink
    let resumed: Bool
    let rounds: Int
    var account: SpendAccount
    var arms: [Arm] = []
    var outputs: [Int: [ScoredExample]] = [:]
    var stopReason: String?

    /// Train inputs each round is judged on (SPO uses three).
    public static let samplesPerRound = 4

    public init(task: TaskFile, models: OptimizerModels, judge: OutputJudge, prompts: MetaPrompts, store: LineageStore,
                config: OptimizerRunConfig, runId: String, resumed: Bool = false, progress: @escaping ProgressSink = { _ in }) throws {
        guard !task.data.train.isEmpty else { throw OptimizerError.noExamples(task: task.path, split: "train") }
        guard !task.data.dev.isEmpty else { throw OptimizerError.noExamples(task: task.path, split: "dev") }
        guard !task.data.test.isEmpty else { throw OptimizerError.noExamples(task: task.path, split: "test") }
        self.task = task
        self.models = models
        self.judge = judge
        self.config = config
        self.runId = runId
        self.settings = config.settings
        self.resumed = resumed
        self.emit = progress
        var rng = SeededGenerator(seed: config.settings.seed)
        samples = Array(task.data.train.shuffled(using: &rng).prefix(Self.samplesPerRound))
        dev = task.data.dev
        test = task.data.test
        scorer = CandidateScorer(task: task, provider: models.task, parallelism: settings.parallelism,
                                 price: models.taskPrice, sealed: Set(task.data.test.map(\.id)), compression: models.compression)
        proposer = InstructionProposer(provider: models.proposer, prompts: prompts, task: task, price: models.proposerPrice)
        recorder = RunRecorder(store: store, runId: runId)
        account = SpendAccount(limits: settings.limits)
        rounds = max(0, (settings.limits.maxCandidates ?? settings.defaultCandidates) - 1)
        let seed = Candidate.seed(for: task)
        let minimum = try scorer.estimate(seed, on: dev + test) + scorer.estimate(seed, on: test)
            + judgeEstimate(seed, on: test)
        if let reason = account.exceeded(by: minimum), !reason.hasPrefix("time") {
            throw OptimizerError.budgetTooSmall(
                limit: settings.limits.summary,
                evaluation: "the seed's outputs on the \(dev.count) dev and \(test.count) test inputs and judging them cost "
                    + "about \(minimum.calls) calls and \(minimum.tokens) tokens",
                needed: "\(minimum.calls) calls and about \(minimum.tokens) tokens")
        }
    }

    /// What the requirements say, else the task's description: what the judge holds outputs to.
    var requirements: String {
        let text = task.requirements?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return text.isEmpty ? task.description : text
    }

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
        emit(.note("\(resumed ? "resuming" : "optimizing") \(task.name) with judge \(judge.name): run \(runId), "
            + "\(samples.count) inputs per round, \(dev.count) dev, \(test.count) test; up to \(rounds) rounds"))
        let seed = try add(Arm(ordinal: 0, candidate: Candidate.seed(for: task), operatorName: "seed", parents: [], round: 0,
                               fixedReadout: true))
        var incumbent = seed
        var beaten: Arm?
        do {
            try checkBudget(scorer.estimate(seed.candidate, on: samples))
            outputs[seed.ordinal] = try await generate(seed, on: samples)
            for round in 1...max(1, rounds) where rounds > 0 {
                emit(.stage(name: "round \(round)", done: round - 1, total: rounds))
                let (candidate, operatorName) = try await propose(from: incumbent, beaten: beaten, round: round)
                let arm = newArm(candidate, operatorName, parent: incumbent, round: round)
                try checkBudget(scorer.estimate(candidate, on: samples) + judgeEstimate(candidate, on: samples))
                try add(arm)
                let mine = try await generate(arm, on: samples)
                outputs[arm.ordinal] = mine
                let judged = try await compare(mine, outputs[incumbent.ordinal]!, on: samples)
                arm.selection = zip(mine, judged).map { output, outcome in
                    var copy = output
                    copy.score = outcome.scoreA
                    return copy
                }
                arm.selectionScores = arm.selection.map(\.score)
                try recorder.recordScores(arm, new: arm.selection, split: .train, selection: true)
                emit(.candidate(id: arm.id, operatorName: arm.operatorName, score: arm.score))
                let wins = judged.filter { $0.verdict == .a }.count, losses = judged.filter { $0.verdict == .b }.count
                if wins > losses {
                    beaten = incumbent
                    incumbent = arm
                    emit(.best(id: arm.id, score: arm.score))
                } else {
                    beaten = arm
                }
                await emitSpend()
            }
        } catch let stop as BudgetStop {
            stopReason = "budget: \(stop.reason)"
            emit(.note("the next step would exceed the budget (\(stop.reason)): the search ends with the best so far"))
        } catch ProviderError.budgetExceeded(let limit, _, _) {
            stopReason = "budget: \(limit)"
            emit(.note("the provider's budget (\(limit)) stopped the search: it ends with the best so far"))
        }
        return try await finish(seed: seed, incumbent: incumbent)
    }

    // MARK: - Proposals

    /// SPO's rewrite of the incumbent, or a model-free rewrite when the proposer gives nothing usable.
    func propose(from incumbent: Arm, beaten: Arm?, round: Int) async throws -> (Candidate, String) {
        let shown = { (arm: Arm?) -> String in
            guard let arm, let results = self.outputs[arm.ordinal] else { return "(none yet)" }
            return zip(self.samples, results).map { e, r in
                "Input: \(e.fields.values.sorted().joined(separator: " "))\nOutput: \(r.output.trimmingCharacters(in: .whitespacesAndNewlines))"
            }.joined(separator: "\n\n")
        }
        let tried = Set(arms.map(\.candidate.instruction))
        if let request = try proposer.request(MetaPrompts.comparison, [
            "requirements": requirements, "best_prompt": incumbent.candidate.instruction,
            "best_outputs": shown(incumbent), "other_outputs": shown(beaten),
        ], samples: 1, seed: settings.seed &+ UInt64(round)) {
            var long = request
            long.options.maxTokens = 200
            let estimate = proposer.estimate(long)
            try checkBudget(estimate)
            let response = try await models.proposer.complete(long)
            account.add(Spend(calls: 1, tokens: response.usage.totalTokens, costUSD: models.proposerPrice?.cost(of: response.usage) ?? 0))
            if let text = Self.prompt(in: response.text), !tried.contains(text) {
                var c = incumbent.candidate
                c.instruction = text
                return (c, "spo")
            }
        }
        let mutations: [(String, (Candidate) -> Candidate?)] = [
            ("requirements", { c in
                let r = self.requirements
                guard !r.isEmpty, !c.instruction.contains(r) else { return nil }
                var copy = c
                copy.instruction = c.instruction.trimmingCharacters(in: .whitespacesAndNewlines) + "\nRequirements: " + r
                return copy
            }),
            ("role", { InstructionMutation.role.apply(to: $0, task: self.task) }),
            ("positive-thinking", { InstructionMutation.positiveThinking.apply(to: $0, task: self.task, variant: round) }),
        ]
        for i in 0..<mutations.count {
            let (name, make) = mutations[(round + i) % mutations.count]
            if let c = make(incumbent.candidate), !tried.contains(c.instruction) { return (c, name) }
        }
        var c = incumbent.candidate
        c.instruction = InstructionMutation.positiveThinking.apply(to: Candidate.seed(for: task), task: task, variant: round + 7)?
            .instruction ?? c.instruction
        return (c, "positive-thinking")
    }

    /// The prompt between `<prompt>` and `</prompt>`, else the whole reply; nil when it is too
    /// short, too long or still has template braces.
    static func prompt(in reply: String) -> String? {
        var text = reply
        if let open = text.range(of: "<prompt>") {
            text = String(text[open.upperBound...])
            if let close = text.range(of: "</prompt>") { text = String(text[..<close.lowerBound]) }
        }
        text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count >= 12, text.count <= 1200, !text.contains("{"), !text.contains("}"),
              text.split(separator: " ").count >= 3 else { return nil }
        return text
    }

    // MARK: - Outputs and judgments

    func generate(_ arm: Arm, on examples: [Example]) async throws -> [ScoredExample] {
        let (results, spend) = try await scorer.score(arm.candidate, on: examples)
        account.add(spend)
        return results
    }

    func pairs(_ a: [ScoredExample], _ b: [ScoredExample], on examples: [Example]) -> [JudgedPair] {
        zip(examples, zip(a, b)).map { e, ab in
            JudgedPair(instruction: requirements, input: (try? task.template.render(e.fields)) ?? "",
                       outputA: ab.0.output, outputB: ab.1.output, reference: e.answer)
        }
    }

    /// A's outcome against B on each example, judged concurrently.
    func compare(_ a: [ScoredExample], _ b: [ScoredExample], on examples: [Example]) async throws -> [JudgedOutcome] {
        let items = pairs(a, b, on: examples)
        var results = [JudgedOutcome?](repeating: nil, count: items.count)
        let judge = self.judge
        try await withThrowingTaskGroup(of: (Int, JudgedOutcome).self) { group in
            for (i, item) in items.enumerated() { group.addTask { (i, try await judge.compare(item)) } }
            for try await (i, outcome) in group { results[i] = outcome }
        }
        let outcomes = results.compactMap { $0 }
        for o in outcomes { account.add(o.spend) }
        return outcomes
    }

    /// Judging `candidate` against another prompt on `examples`, both outputs at their longest.
    func judgeEstimate(_ candidate: Candidate, on examples: [Example]) throws -> Spend {
        let longest = String(repeating: "word ", count: (candidate.maxTokens ?? task.maxTokens) * 3 / 4)
        return examples.reduce(Spend()) { total, e in
            total + judge.estimate(JudgedPair(instruction: requirements, input: (try? task.template.render(e.fields)) ?? "",
                                              outputA: longest, outputB: longest + ".", reference: e.answer))
        }
    }

    // MARK: - Budget, records, progress

    /// The finals' needs: the incumbent and the seed on dev and test, with their judgments.
    func checkBudget(_ estimate: Spend) throws {
        let seed = Candidate.seed(for: task)
        let reserve = try scorer.estimate(seed, on: dev + dev + test + test) + judgeEstimate(seed, on: dev + test)
        let rate = account.spent.calls > 0 ? account.seconds / Double(account.spent.calls) : 0
        if let reason = account.exceeded(by: estimate, reserve: reserve, reserveSeconds: rate * Double(reserve.calls)) {
            throw BudgetStop(reason: reason)
        }
    }

    @discardableResult
    func add(_ arm: Arm) throws -> Arm {
        arm.id = try recorder.record(arm, parents: arm.parents.compactMap { p in arms.first { $0.ordinal == p }?.id })
        arms.append(arm)
        return arm
    }

    func newArm(_ candidate: Candidate, _ operatorName: String, parent: Arm, round: Int) -> Arm {
        Arm(ordinal: arms.count, candidate: candidate, operatorName: operatorName, parents: [parent.ordinal], round: round)
    }

    func emitSpend() async {
        var calls = 0, hits = 0
        var seen = Set<ObjectIdentifier>()
        for ledger in models.ledgers where seen.insert(ObjectIdentifier(ledger)).inserted {
            calls += await ledger.spentCalls
            hits += await ledger.cacheHits
        }
        emit(.spend(calls: calls, cacheHits: hits, tokens: account.spent.tokens, costUSD: account.spent.costUSD))
    }
}
