import Foundation
import Testing
@testable import WhetCore

/// Every task, judge and prompt the repository ships must load.
struct ShippedFilesTests {
    /// Every `tasks/*.yaml`, so a task added later is checked too.
    static let taskFiles: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: repoRoot.appendingPathComponent("tasks").path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }()

    @Test func theShippedTasksAreAllFound() {
        #expect(Set(["sentiment", "singular_to_plural", "active_to_passive", "banking77", "gsm8k", "nq_long"])
            .isSubset(of: Self.taskFiles), "\(Self.taskFiles)")
    }

    @Test(arguments: taskFiles)
    func shippedTaskLoads(_ name: String) throws {
        let task = try TaskFileParser.load(repoRoot.appendingPathComponent("tasks/\(name).yaml").path)
        #expect(!task.data.train.isEmpty && !task.data.dev.isEmpty && !task.data.test.isEmpty)
        let train = Set(task.data.train.map(\.id)), dev = Set(task.data.dev.map(\.id)), test = Set(task.data.test.map(\.id))
        #expect(train.isDisjoint(with: dev) && train.isDisjoint(with: test) && dev.isDisjoint(with: test))
        for e in task.data.all {
            _ = try task.template.render(e.fields)
            if task.metric.needsReference { #expect(e.answer != nil, "example \(e.id) has no reference") }
        }
    }

    @Test func sentimentHoldsOutTheExecuteSplit() throws {
        let task = try TaskFileParser.load(repoRoot.appendingPathComponent("tasks/sentiment.yaml").path)
        #expect(task.data.test.count == 100)
        #expect(task.data.test.allSatisfy { $0.id.hasPrefix("test.jsonl:") })
        #expect(task.metric == .choiceAccuracy)
        guard case .label(let labels) = task.answer else { Issue.record("expected labels"); return }
        #expect(labels.map(\.label) == ["positive", "negative"])
        #expect(Set(task.data.test.compactMap(\.answer)) == ["positive", "negative"])
    }

    @Test func gsm8kAnswersAreExtractedNumbers() throws {
        let task = try TaskFileParser.load(repoRoot.appendingPathComponent("tasks/gsm8k.yaml").path)
        for e in task.data.all {
            let a = try #require(e.answer)
            #expect(AnswerText.lastNumber(in: a) != nil, "\(e.id): '\(a)'")
            #expect(!a.contains("####"))
        }
    }

    @Test func judgedTaskPointsAtAJudge() throws {
        let task = try TaskFileParser.load(repoRoot.appendingPathComponent("tasks/open_instructions.yaml").path)
        #expect(task.metric == .judge)
        let judge = try JudgeFile.load(try #require(task.judge))
        #expect(judge.mode == .pairwise && judge.bothOrders)
    }

    @Test func spoFormatIsRead() throws {
        let task = try TaskFileParser.load(repoRoot.appendingPathComponent("tasks/spo_haiku.yaml").path)
        #expect(task.instruction.hasPrefix("Write a haiku"))
        #expect(task.requirements?.contains("5-7-5") == true)
        #expect(task.data.all.count == 6)
        #expect(task.data.all.filter { $0.answer != nil }.count == 3)
        #expect(task.template.fields == ["question"])
    }

    @Test(arguments: ["pairwise", "pointwise"])
    func shippedJudgesLoad(_ name: String) throws {
        let j = try JudgeFile.load(repoRoot.appendingPathComponent("judges/\(name).yaml").path)
        #expect(j.name == name)
    }

    @Test func shippedPromptsLoad() throws {
        let dir = repoRoot.appendingPathComponent("prompts")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".md") }
        #expect(files.count >= 3)
        for f in files { _ = try PromptFile.load(dir.appendingPathComponent(f).path) }
    }
}
