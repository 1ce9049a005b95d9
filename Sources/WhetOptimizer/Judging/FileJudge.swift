import Foundation
import WhetCore
import WhetProviders
import WhetStore

/// A judge file (`judges/*.yaml`) asked through a model provider. Pairwise judges with a
/// `choice` verdict read it from the log-probabilities of the verdict words, in both orders
/// when the file says so; pointwise judges with a `score` verdict score each output on its
/// own and the higher score wins.
public struct FileJudge: OutputJudge {
    public let file: JudgeFile
    public let provider: ModelProvider
    public let price: PriceTable?
    public var name: String { file.name }

    public init(file: JudgeFile, provider: ModelProvider, price: PriceTable? = nil) throws {
        switch (file.mode, file.verdict) {
        case (.pairwise, .choice), (.pointwise, .score): break
        case (.pairwise, .score):
            throw OptimizerError.judgeUnsupported(path: file.path, reason: "a pairwise judge needs a choice verdict (labels a, b, tie)")
        case (.pointwise, .choice):
            throw OptimizerError.judgeUnsupported(path: file.path, reason: "a pointwise judge needs a score verdict (pattern, min, max)")
        }
        self.file = file
        self.provider = provider
        self.price = price
    }

    static let scoreTokens = 16

    public func estimate(_ pair: JudgedPair) -> Spend {
        guard !pair.identical else { return Spend() }
        var spend = Spend()
        for request in (try? requests(pair)) ?? [] {
            let usage = ManagedProvider.estimate(request)
            spend += Spend(calls: 1, tokens: usage.totalTokens, costUSD: price?.cost(of: usage) ?? 0)
        }
        return spend
    }

    public func compare(_ pair: JudgedPair) async throws -> JudgedOutcome {
        guard !pair.identical else { return JudgedOutcome(verdict: .tie) }
        switch file.verdict {
        case .choice(let labels):
            var spend = Spend()
            var verdicts: [PairVerdict] = []
            for (i, request) in try requests(pair).enumerated() {
                let words = labels.flatMap(\.verbalizers)
                let choice = try await provider.choose(among: words, for: request.input)
                spend += cost(choice.usage)
                let first = Self.verdict(choice, labels: labels)
                verdicts.append(i == 0 ? first : first.mirrored)
            }
            let agreed = Set(verdicts)
            return JudgedOutcome(verdict: agreed.count == 1 ? agreed.first! : .tie, flipped: agreed.count > 1, spend: spend)
        case .score(let pattern, _, _):
            var spend = Spend()
            var scores: [Double?] = []
            for request in try requests(pair) {
                let response = try await provider.complete(request)
                spend += cost(response.usage)
                scores.append(Self.number(in: response.text, pattern: pattern))
            }
            let (a, b) = (scores[0] ?? -.infinity, scores[1] ?? -.infinity)
            return JudgedOutcome(verdict: a > b ? .a : (b > a ? .b : .tie), spend: spend)
        }
    }

    /// The requests a pair needs: (A, B) and, for both-order judges, (B, A); pointwise: A, then B.
    func requests(_ pair: JudgedPair) throws -> [ProviderRequest] {
        var values = ["instruction": pair.instruction, "input": pair.input, "criteria": file.criteria.joined(separator: ", "),
                      "reference": pair.reference ?? "(none)"]
        switch file.mode {
        case .pairwise:
            var orders = [(pair.outputA, pair.outputB)]
            if file.bothOrders { orders.append((pair.outputB, pair.outputA)) }
            return try orders.map { first, second in
                values["output_a"] = first
                values["output_b"] = second
                return .chat([.user(try render(values))], GenerationOptions(n: 1, temperature: 0, maxTokens: 8))
            }
        case .pointwise:
            return try [pair.outputA, pair.outputB].map { output in
                values["output"] = output
                return .chat([.user(try render(values))], GenerationOptions(n: 1, temperature: 0, maxTokens: Self.scoreTokens))
            }
        }
    }

    func render(_ values: [String: String]) throws -> String {
        do { return try file.template.render(values) } catch {
            throw OptimizerError.judgeUnsupported(path: file.path, reason: "cannot fill its template: \(error.localizedDescription)")
        }
    }

    func cost(_ usage: TokenUsage) -> Spend {
        Spend(calls: 1, tokens: usage.totalTokens, costUSD: price?.cost(of: usage) ?? 0)
    }

    /// The verdict label whose words carry the most probability: `a` is the output shown first.
    static func verdict(_ choice: LabelChoice, labels: [LabelVerbalizer]) -> PairVerdict {
        var best: (PairVerdict, Double)?
        for label in labels {
            guard let verdict = PairVerdict(rawValue: label.label) else { continue }
            let p = label.verbalizers.reduce(0) { $0 + (choice.probabilities[$1] ?? 0) }
            if best == nil || p > best!.1 { best = (verdict, p) }
        }
        return best?.0 ?? .tie
    }

    static func number(in text: String, pattern: String) -> Double? {
        guard let regex = try? NSRegularExpression(pattern: pattern),
              let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return nil }
        let group = match.numberOfRanges > 1 ? 1 : 0
        guard let range = Range(match.range(at: group), in: text) else { return nil }
        return Double(text[range].trimmingCharacters(in: .whitespaces))
    }
}

extension PairVerdict {
    /// The same verdict with the outputs' places swapped.
    var mirrored: PairVerdict {
        switch self {
        case .a: return .b
        case .b: return .a
        case .tie: return .tie
        }
    }
}
