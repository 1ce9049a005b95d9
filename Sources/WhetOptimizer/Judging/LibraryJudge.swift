import Foundation
import WhetCore
import WhetJudging
import WhetProviders
import WhetStore

/// The optimizer's judge: a judge file built by WhetJudging, the same judges `whet compare` uses,
/// with the same both-order rule (agreement is the verdict, disagreement a tie).
public struct LibraryJudge: OutputJudge {
    public let judge: any PairwiseJudge
    public let price: PriceTable?
    public var name: String { judge.name }

    public init(judge: any PairwiseJudge, price: PriceTable? = nil) {
        self.judge = judge
        self.price = price
    }

    /// A judge file on a provider (`JudgeFactory`'s errors are user-facing).
    public init(file: JudgeFile, provider: any ModelProvider, price: PriceTable? = nil) throws {
        self.init(judge: try JudgeFactory.make(file, provider: provider), price: price)
    }

    /// Calls a pair costs before anything is asked: none for identical outputs, one per order the judge
    /// reads separately; tokens from the pair's text with a template allowance.
    public func estimate(_ pair: JudgedPair) -> Spend {
        guard !pair.identical else { return Spend() }
        let calls = judge.bothOrders && !judge.orderInvariant ? 2 : 1
        let text = [pair.instruction, pair.input, pair.outputA, pair.outputB, pair.reference ?? ""].joined(separator: "\n")
        let usage = ManagedProvider.estimate(.chat([.user(text)], GenerationOptions(n: 1, temperature: 0, maxTokens: 8)))
        let perCall = usage.totalTokens + Self.templateTokens
        let cost = price?.cost(of: TokenUsage(promptTokens: perCall, completionTokens: 0)) ?? 0
        return Spend(calls: calls, tokens: calls * perCall, costUSD: Double(calls) * cost)
    }

    static let templateTokens = 200

    public func compare(_ pair: JudgedPair) async throws -> JudgedOutcome {
        let instruction = pair.input.isEmpty ? pair.instruction : pair.instruction + "\n\n" + pair.input
        let item = JudgeItem(id: SHA256.hex(Data((instruction + pair.outputA + pair.outputB).utf8)), instruction: instruction,
                             reference: pair.reference, requirements: pair.instruction, outputA: pair.outputA, outputB: pair.outputB)
        let judgment = try await judge.judgeBothOrders(item)
        let spend = Spend(calls: judgment.calls, tokens: judgment.usage.totalTokens, costUSD: price?.cost(of: judgment.usage) ?? 0)
        return JudgedOutcome(verdict: judgment.verdict, flipped: judgment.flipped, spend: spend)
    }
}
