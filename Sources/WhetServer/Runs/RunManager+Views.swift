import Foundation
import WhetCore
import WhetStore

extension RunManager {
    /// A run's summary with its live parts; `detailed` adds the best prompt's text. The store is read
    /// outside the actor, so concurrent readers do not queue behind each other.
    nonisolated func view(of run: RunRecord, detailed: Bool = false, candidates: Int? = nil) async -> RunView {
        let count = candidates ?? ((try? store.candidates(run: run.id).count) ?? 0)
        var instruction: String?
        if detailed, let best = run.bestCandidateId {
            instruction = (try? store.candidates(run: run.id))?.first { $0.id == best }?.instruction
        }
        return RunView(run, live: await live(run.id), candidates: count, bestInstruction: instruction)
    }

    /// The task's examples by id, for a run the server has the task of (its own runs); nil otherwise.
    func examples(of run: RunRecord) -> [String: Example]? {
        if let cached = exampleCache[run.id] { return cached }
        let workspace = RunWorkspace(root: workspaceRoot, runId: run.id)
        guard workspace.exists, let submission = try? workspace.readSubmission(),
              let task = try? TaskFileParser.parse(submission.task, path: workspace.taskURL.path) else { return nil }
        var byId: [String: Example] = [:]
        for example in task.data.all { byId[example.id] = example }
        if exampleCache.count >= 16 { exampleCache.removeAll() }
        exampleCache[run.id] = byId
        return byId
    }

    nonisolated func candidateView(run: RunRecord, candidateId: Int64) async throws -> CandidateView {
        let graph = try LineageGraph(store: store, run: run)
        guard let candidate = graph.candidates.first(where: { $0.id == candidateId }) else {
            throw ServiceError.notFound(message: "run \(run.id) has no candidate \(candidateId)")
        }
        let parents = graph.parents(of: candidateId).sorted()
        let parent = parents.first.flatMap { id in graph.candidates.first { $0.id == id } }
        let examples = await examples(of: run)
        let evaluations = try store.evaluations(candidate: candidateId)
        var summary: [CandidateView.SplitSummary] = []
        for split in Split.allCases {
            let scores = evaluations.filter { $0.split == split }
            guard !scores.isEmpty else { continue }
            let values = scores.compactMap(\.score)
            summary.append(.init(split: split, count: scores.count,
                                 mean: values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)))
        }
        return CandidateView(
            id: candidateId, run: run.id, parents: parents, operator: candidate.operatorName, round: candidate.round,
            instruction: candidate.instruction,
            parent: parent.map { CandidateView.Parent(id: $0.id ?? 0, instruction: $0.instruction) },
            exemplars: Self.exemplars(candidate.exemplarsJSON, examples: examples),
            verbalizers: Self.json(candidate.verbalizersJSON),
            devScore: candidate.devScore, testScore: candidate.testScore, createdAt: candidate.createdAt,
            isBest: run.bestCandidateId == candidateId, summary: summary,
            evaluations: evaluations.map { e in
                let example = examples?[e.exampleId]
                return CandidateView.Evaluation(
                    exampleId: e.exampleId, split: e.split, input: example?.fields, reference: example?.answer,
                    output: e.output, score: e.score, promptTokens: e.promptTokens, completionTokens: e.completionTokens,
                    latencyMs: e.latencyMs)
            })
    }

    static func json(_ text: String) -> JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .array([])
    }

    /// The stored exemplars (`[{"id", "answer"}]`) with their inputs added when the task is known.
    static func exemplars(_ text: String, examples: [String: Example]?) -> JSONValue {
        guard case .array(let items) = json(text) else { return .array([]) }
        return .array(items.map { item in
            guard case .object(var object) = item, case .string(let id)? = object["id"],
                  let example = examples?[id] else { return item }
            object["input"] = .object(example.fields.mapValues { .string($0) })
            return .object(object)
        })
    }
}
