import Foundation
import Testing
import WhetCore
import WhetJudging
@testable import WhetOptimizer
import WhetProviders
import WhetStore

/// A judge model that prefers whichever response contains `favourite` (or, with no favourite,
/// always the one shown first: pure position bias), and counts what it is asked.
final class ScriptedJudgeModel: ModelProvider, @unchecked Sendable {
    let favourite: String?
    private let lock = NSLock()
    private(set) var asked = 0
    var modelName: String { "scripted-judge" }

    init(favourite: String?) { self.favourite = favourite }

    func complete(_ request: ProviderRequest) async throws -> ProviderResponse {
        throw ProviderError.invalidRequest(reason: "the scripted judge only chooses")
    }

    func choose(among labels: [String], for input: ProviderInput) async throws -> LabelChoice {
        lock.withLock { asked += 1 }
        guard case .chat(let messages) = input, let text = messages.last?.content else { throw ProviderError.invalidRequest(reason: "chat only") }
        var first = true
        if let favourite, let one = text.range(of: "Response 1:"), let two = text.range(of: "Response 2:") {
            let firstBlock = text[one.upperBound..<two.lowerBound]
            first = firstBlock.contains(favourite)
        }
        var p = Dictionary(uniqueKeysWithValues: labels.map { ($0, 0.01) })
        p[first ? "1" : "2"] = 0.97
        return LabelChoice(label: first ? "1" : "2", probabilities: p, method: .logprobs, usage: TokenUsage(promptTokens: 100, completionTokens: 1))
    }
}

@Suite struct JudgeTests {
    func judge(_ model: ScriptedJudgeModel) throws -> LibraryJudge {
        try LibraryJudge(file: try JudgeFile.load(repoRoot.appendingPathComponent("judges/pairwise.yaml").path), provider: model)
    }

    func pair(_ a: String, _ b: String) -> JudgedPair {
        JudgedPair(instruction: "Write a haiku.", input: "the sea", outputA: a, outputB: b)
    }

    @Test func bothOrdersAgreeingIsTheVerdictAndDisagreeingIsATie() async throws {
        let fair = ScriptedJudgeModel(favourite: "gulls")
        let j = try judge(fair)
        let aWins = try await j.compare(pair("gulls on the swell", "the sea is big"))
        #expect(aWins.verdict == .a && !aWins.flipped && aWins.scoreA == 1)
        let bWins = try await j.compare(pair("the sea is big", "gulls on the swell"))
        #expect(bWins.verdict == .b && bWins.scoreA == 0)
        #expect(fair.asked == 4)
        #expect(aWins.spend.calls == 2 && j.estimate(pair("x y z", "x y q")).calls == 2)

        // A judge that always picks the first response shown has no opinion once both orders are asked.
        let biased = ScriptedJudgeModel(favourite: nil)
        let tie = try await judge(biased).compare(pair("gulls on the swell", "the sea is big"))
        #expect(tie.verdict == .tie && tie.flipped && tie.scoreA == 0.5)
    }

    @Test func identicalOutputsTieWithoutACall() async throws {
        let model = ScriptedJudgeModel(favourite: "gulls")
        let j = try judge(model)
        let outcome = try await j.compare(pair("gulls\n", "  gulls"))
        #expect(outcome.verdict == .tie && model.asked == 0 && j.estimate(pair("gulls", "gulls")).calls == 0)
    }

    @Test func aJudgeFileItCannotReadIsAClearError() throws {
        var file = try JudgeFile.load(repoRoot.appendingPathComponent("judges/pairwise.yaml").path)
        file.mode = .pointwise
        #expect(throws: JudgingError.self) { try LibraryJudge(file: file, provider: ScriptedJudgeModel(favourite: nil)) }
    }

    @Test func spoRepliesYieldThePromptBetweenTheTags() {
        #expect(JudgedOptimizer.prompt(in: "Analysis...\n<prompt>\nWrite a haiku with a season word.\n</prompt>")
            == "Write a haiku with a season word.")
        #expect(JudgedOptimizer.prompt(in: "<prompt>ok</prompt>") == nil)
        #expect(JudgedOptimizer.prompt(in: "<prompt>Use {input} here please now</prompt>") == nil)
    }
}
