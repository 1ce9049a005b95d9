import Foundation
import WhetCore
import WhetProviders

extension Optimizer {
    struct Proposal {
        var candidate: Candidate
        var operatorName: String
        var parents: [Arm]
    }

    /// Slots for new candidates in a round: three fifths of the cap in round 1, the rest in round 2.
    func slots(round: Int) -> Int {
        let fresh = max(0, candidateLimit - 1)
        let first = (fresh * 3 + 4) / 5
        return round == 1 ? first : max(0, candidateLimit - arms.count)
    }

    /// Proposes a round's candidates, drops near-duplicates of each other and of every
    /// candidate tried (ClaPS), records the rest and returns them. Round 2 also runs the
    /// exemplar bandit, whose picks are evaluated as they are chosen.
    func propose(round: Int, survivors: [Arm]) async throws -> [Arm] {
        guard slots(round: round) > 0 else { return [] }
        let all = round == 1 ? try await firstRound() : try await secondRound(survivors)
        let evaluated = pendingArms
        pendingArms = []
        // The seed's prompt with a chosen readout and reorderings of the best's exemplars embed
        // (almost) like what they came from by design: they skip the near-duplicate filter.
        let exempt: Set<String> = ["readout", "order"]
        let forced = Array(all.filter { exempt.contains($0.operatorName) }.prefix(slots(round: round)))
        var proposals = all.filter { !exempt.contains($0.operatorName) }
        proposals.removeAll { p in arms.contains { $0.candidate.promptKey == p.candidate.promptKey } }
        let room = max(0, slots(round: round) - forced.count)
        let texts = proposals.map { scorer.layout.text($0.candidate) }
        let existing = arms.map { scorer.layout.text($0.candidate) }
        let vectors = texts.isEmpty ? [] : try embeddings.embed(texts: texts + existing)
        let chosen = texts.isEmpty ? [] : try ProposalFilter.select(proposals: Array(vectors.prefix(texts.count)),
                                                                    existing: Array(vectors.dropFirst(texts.count)),
                                                                    slots: room, seed: settings.seed &+ UInt64(round))
        var made: [Arm] = evaluated
        for p in forced + chosen.map({ proposals[$0] }) {
            made.append(try add(newArm(p.candidate, p.operatorName, parents: p.parents, round: round)))
        }
        emit(.note("round \(round): \(all.count + evaluated.count) proposals, \(made.count) kept after de-duplication"))
        return made
    }

    // MARK: - Round 1: from the seed

    /// Round 1 proposals from the seed, best bets first (the filter keeps the earliest of
    /// near-duplicates). Label tasks: the model already knows them, so the seed's prompt with a
    /// chosen readout, a format line and rewordings come first and exemplars (which mostly
    /// shift the label prior) last. Generation tasks: exemplars first, per-input nearest
    /// neighbours at the head, then several random sets.
    func firstRound() async throws -> [Proposal] {
        let seedArm = arms[0]
        let seed = seedArm.candidate
        var out: [Proposal] = []
        func add(_ c: Candidate?, _ name: String) { if let c { out.append(Proposal(candidate: c, operatorName: name, parents: [seedArm])) } }
        let words = seed.answerWords
        let exemplars = settings.allows(.exemplars), instructions = settings.allows(.instructions)
        func shots(_ k: Int) -> Candidate {
            var c = seed
            c.exemplars = isLabelTask ? sampler.balanced(k: k, words: words, using: &rng) : sampler.random(k: k, words: words, using: &rng)
            return c
        }
        func nearest(_ k: Int) -> Candidate {
            var c = seed
            c.neighbours = k
            return c
        }
        func mutation(_ m: InstructionMutation, variant: Int = 0) -> Candidate? { m.apply(to: seed, task: task, variant: variant) }
        let induced = instructions ? try await induce(from: seed, samples: 3) : []

        if isLabelTask {
            if settings.allows(.readout) { add(seed, "readout") }
            if instructions {
                add(mutation(.outputFormat), "output-format")
                add(describing(seed), "task-description")
                add(mutation(.role), "role")
                add(mutation(.positiveThinking, variant: Int(settings.seed % 4)), "positive-thinking")
                for instruction in induced.prefix(2) { add(reworded(seed, instruction), "ape") }
            }
            if exemplars {
                add(shots(sampler.labels?.count ?? 2), "balanced-\(sampler.labels?.count ?? 2)-shot")
                add(shots(4), "balanced-4-shot")
                add(nearest(4), "nearest-4")
            }
            if instructions {
                add(mutation(.shorten), "shorten")
                for instruction in induced.dropFirst(2) { add(reworded(seed, instruction), "ape") }
            }
            if exemplars {
                var diverse = seed
                diverse.exemplars = sampler.diverse(k: 4, words: words, vectors: try poolVectors(), using: &rng)
                add(diverse, "mmr-4-shot")
                add(shots(8), "balanced-8-shot")
            }
        } else {
            if exemplars {
                add(nearest(8), "nearest-8")
                add(shots(4), "random-4-shot")
                add(shots(8), "random-8-shot")
                add(shots(4), "random-4-shot")
                add(nearest(4), "nearest-4")
                var diverse = seed
                diverse.exemplars = sampler.diverse(k: 8, words: words, vectors: try poolVectors(), using: &rng)
                add(diverse, "mmr-8-shot")
            }
            if instructions {
                for instruction in induced { add(reworded(seed, instruction), "ape") }
                add(describing(seed), "task-description")
                add(mutation(.role), "role")
                if task.metric == .numeric { add(mutation(.stepByStep), "step-by-step") }
                add(mutation(.positiveThinking, variant: Int(settings.seed % 4)), "positive-thinking")
                add(mutation(.outputFormat), "output-format")
                add(mutation(.shorten), "shorten")
            }
            if exemplars { add(shots(2), "random-2-shot") }
        }
        return out
    }

    func reworded(_ c: Candidate, _ instruction: String) -> Candidate {
        var copy = c
        copy.instruction = instruction
        return copy
    }

    /// The task file's description as the instruction, when it says something the seed does not.
    func describing(_ c: Candidate) -> Candidate? {
        let description = task.description.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !description.isEmpty, description != c.instruction else { return nil }
        return reworded(c, description)
    }

    func poolVectors() throws -> [String: [Float]] {
        let vectors = try embeddings.vectors(for: sampler.pool)
        return Dictionary(zip(sampler.pool.map(\.id), vectors), uniquingKeysWith: { a, _ in a })
    }

    /// APE: instructions induced from pool demonstrations (one request, several samples).
    func induce(from seed: Candidate, samples: Int) async throws -> [String] {
        let demos = sampler.random(k: 6, words: seed.answerWords, using: &rng)
        guard let request = try proposer.request(MetaPrompts.induce, ["demonstrations": proposer.demonstrations(demos)],
                                                 samples: samples, seed: settings.seed &+ 1) else {
            emit(.note("no \(MetaPrompts.induce) meta-prompt in prompts/: APE proposals skipped"))
            return []
        }
        return try await ask(request, perSample: 1)
    }

    func ask(_ request: ProviderRequest, perSample: Int) async throws -> [String] {
        try checkBudget(proposer.estimate(request))
        let (instructions, spend) = try await proposer.propose(request, perSample: perSample)
        account.add(spend)
        return instructions
    }

    // MARK: - Round 2: from the best so far

    func secondRound(_ survivors: [Arm]) async throws -> [Proposal] {
        let ranked = Arm.ranked(arms.filter { $0.selection.count == selection.count }, by: \.score)
        guard let best = ranked.first else { return [] }
        var out: [Proposal] = []
        func add(_ c: Candidate?, _ name: String, _ parents: [Arm]) {
            if let c { out.append(Proposal(candidate: c, operatorName: name, parents: parents)) }
        }
        if settings.allows(.exemplars) && best.candidate.exemplars.count > 1 {
            for order in sampler.reorderings(of: best.candidate.exemplars, count: 2, using: &rng) {
                var c = best.candidate
                c.exemplars = order
                add(c, "order", [best])
            }
        }
        if settings.allows(.instructions) && settings.allows(.exemplars) {
            let instructionArm = ranked.first { $0.candidate.exemplars.isEmpty && $0.candidate.neighbours == 0 && $0.ordinal != 0
                && $0.candidate.systemText != best.candidate.systemText }
            let exemplarArm = ranked.first { !$0.candidate.exemplars.isEmpty || $0.candidate.neighbours > 0 }
            if let i = instructionArm, let e = exemplarArm, i.ordinal != e.ordinal {
                add(Crossover.combine(instructionFrom: i.candidate, exemplarsFrom: e.candidate), "crossover", [i, e])
            }
        }
        if settings.allows(.exemplars) {
            let k = max(4, best.candidate.exemplars.count)
            if let own = try await ownCorrect(best, k: k) { add(own, "own-correct", [best]) }
        }
        if settings.allows(.instructions) {
            for instruction in try await fromHistory(ranked, best: best) {
                var c = best.candidate
                c.instruction = instruction
                add(c, "opro", [best])
            }
            add(InstructionMutation.outputFormat.apply(to: best.candidate, task: task), "output-format", [best])
            add(InstructionMutation.positiveThinking.apply(to: best.candidate, task: task, variant: Int(settings.seed % 4) + 1),
                "positive-thinking", [best])
        }
        if settings.allows(.exemplars) { try await bandit(around: best) }
        return out
    }

    /// "Teach Better or Show Smarter?": the best candidate on pool examples; the ones it
    /// gets right, with its own outputs (generation tasks), become exemplars.
    func ownCorrect(_ best: Arm, k: Int) async throws -> Candidate? {
        guard best.candidate.neighbours == 0 else { return nil }
        let used = Set(best.candidate.exemplars.map(\.id))
        let probe = Array(sampler.pool.filter { !used.contains($0.id) }.shuffled(using: &rng).prefix(max(16, 2 * k)))
        guard probe.count >= k else { return nil }
        try checkBudget(try scorer.estimate(best.candidate, on: probe))
        let (results, spend) = try await scorer.score(best.candidate, on: probe)
        account.add(spend)
        let rows = zip(probe, relabel(results, best.candidate.readout ?? Readout.seed(labels: scorer.labels ?? []), examples: probe))
            .map { (example: $0, output: $1.output, score: $1.score) }
        let picked = sampler.ownCorrect(rows, k: k, words: best.candidate.answerWords, generated: !isLabelTask, using: &rng)
        guard picked.count >= min(k, 2) else { return nil }
        var c = best.candidate
        c.exemplars = picked
        return c
    }

    /// OPRO: the instructions tried so far with their scores, worst to best, and a few
    /// demonstrations; asks for new ones.
    func fromHistory(_ ranked: [Arm], best: Arm) async throws -> [String] {
        var seen = Set<String>()
        let history = ranked.reversed().filter { seen.insert($0.candidate.instruction).inserted }.suffix(8)
            .map { String(format: "Instruction: %@\nAccuracy: %.0f%%", $0.candidate.instruction, $0.score * 100) }
            .joined(separator: "\n\n")
        let demos = sampler.random(k: 3, words: best.candidate.answerWords, using: &rng)
        guard let request = try proposer.request(MetaPrompts.history, [
            "task_description": task.description.isEmpty ? task.instruction : task.description,
            "history": history, "demonstrations": proposer.demonstrations(demos), "count": "2",
        ], samples: 2, seed: settings.seed &+ 2) else {
            emit(.note("no \(MetaPrompts.history) meta-prompt in prompts/: OPRO proposals skipped"))
            return []
        }
        return Array(try await ask(request, perSample: 2).prefix(3))
    }

    /// EASE: random ordered sets of the best's size, embedded; a Gaussian-process bandit
    /// picks a few to try, each scored on a quarter of the selection examples as it is
    /// picked, so the next pick learns from it.
    func bandit(around best: Arm) async throws {
        let k = max(4, best.candidate.exemplars.count)
        guard sampler.pool.count > k, best.candidate.neighbours == 0 else { return }
        var sets: [[Exemplar]] = []
        for _ in 0..<48 {
            sets.append(isLabelTask ? sampler.balanced(k: k, words: best.candidate.answerWords, using: &rng)
                : sampler.random(k: k, words: best.candidate.answerWords, using: &rng))
        }
        let texts = sets.map { set in set.map { e in
            (((try? task.template.render(e.fields)) ?? "") + " " + e.answer) }.joined(separator: "\n") }
        var bandit = ExemplarBandit(features: try embeddings.embed(texts: texts))
        let steps = min(3, max(0, candidateLimit - arms.count - 6))
        let rung = rungs.count > 1 ? rungs[1] : rungs[0]
        for _ in 0..<steps {
            guard let index = bandit.next() else { break }
            var c = best.candidate
            c.exemplars = sets[index]
            let arm = try add(newArm(c, "ease", parents: [best], round: 2))
            try await extend(arm, to: rung)
            bandit.observe(arm: index, score: arm.score)
            pendingArms.append(arm)
        }
    }
}
