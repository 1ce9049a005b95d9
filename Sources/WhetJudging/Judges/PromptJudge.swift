import Foundation
import WhetStore
import WhetCore
import WhetProviders

/// A judge that asks a model a prompt (PandaLM's, SPO's or any template) and reads the verdict
/// from the log-probabilities of its verdict strings in one forward pass where the provider gives
/// them (the local engine always does), else from the generated text. With `reason_tokens` it
/// also generates the judge's reason.
public struct PromptJudge: PairwiseJudge {
    public let file: JudgeFile
    public let labels: [LabelVerbalizer]
    public let tieMargin: Double
    public let provider: any ModelProvider
    public let identity: String
    public var name: String { file.name }
    public var bothOrders: Bool { file.bothOrders }
    public var orderInvariant: Bool { false }

    public func judge(_ item: JudgeItem, first: String, second: String) async throws -> PositionalVerdict {
        try await judge(item, first: first, second: second, extra: [:])
    }

    /// `extra`: more placeholder values (a rubric's criterion).
    func judge(_ item: JudgeItem, first: String, second: String, extra: [String: String]) async throws -> PositionalVerdict {
        var values = [
            "instruction": item.instruction, "input": "", "output_a": first, "output_b": second,
            "criteria": file.criteria.joined(separator: ", "), "reference": item.reference ?? "(none)",
            "requirements": item.requirements ?? "",
        ]
        values.merge(extra) { _, new in new }
        let input = ProviderInput.chat([.user(try file.template.render(values))])
        var verdict = try await choose(input)
        if file.reasonTokens > 0 {
            let options = GenerationOptions(n: 1, temperature: 0, maxTokens: file.reasonTokens)
            let response = try await provider.complete(ProviderRequest(input: input, options: options))
            verdict.reason = Self.reason(from: response.text, labels: labels)
            verdict.usage = verdict.usage + response.usage
        }
        return verdict
    }

    func choose(_ input: ProviderInput) async throws -> PositionalVerdict {
        var strings: [String] = []
        for label in labels { for v in label.verbalizers where !strings.contains(v) { strings.append(v) } }
        let choice = try await provider.choose(among: strings, for: input)
        if choice.method == .unparsed {
            // PandaLM's rule: a reply naming no verdict counts as a tie.
            return PositionalVerdict(verdict: .tie, probabilityFirst: nil, reason: choice.reply, method: "unparsed",
                                     usage: choice.usage)
        }
        var mass: [PairVerdict: Double] = [:]
        for label in labels {
            guard let preference = PairVerdict(rawValue: label.label) else { continue }
            mass[preference, default: 0] += label.verbalizers.reduce(0) { $0 + (choice.probabilities[$1] ?? 0) }
        }
        let a = mass[.a] ?? 0, b = mass[.b] ?? 0, tie = mass[.tie] ?? 0
        let verdict: PairVerdict
        if abs(a - b) <= tieMargin || (tie > a && tie > b) { verdict = .tie } else { verdict = a > b ? .a : .b }
        let fromLogprobs = choice.method == .logprobs && a + b > 0
        return PositionalVerdict(verdict: verdict, probabilityFirst: fromLogprobs ? a / (a + b) : nil, reason: nil,
                                 method: choice.method.rawValue, usage: choice.usage)
    }

    static func normalise(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: " ")
    }

    /// The generated text without its leading verdict line and a "Reason:" heading.
    static func reason(from text: String, labels: [LabelVerbalizer]) -> String {
        var lines = text.trimmingCharacters(in: .whitespacesAndNewlines).components(separatedBy: "\n")
        let verbalizers = Set(labels.flatMap(\.verbalizers).map { Self.normalise($0) })
        if let head = lines.first, verbalizers.contains(Self.normalise(head)) { lines.removeFirst() }
        var reason = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        for heading in ["### Reason:", "Reason:"] where reason.hasPrefix(heading) {
            reason = String(reason.dropFirst(heading.count)).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return reason
    }
}

/// A rubric judge: the prompt asked once per named criterion; the verdict is the weighted mean of
/// P(first better) over the criteria, a tie when |2P - 1| <= tie_margin.
public struct RubricJudge: PairwiseJudge {
    public let prompt: PromptJudge
    public let rubric: [RubricCriterion]
    public let tieMargin: Double
    public var name: String { prompt.name }
    public var identity: String { prompt.identity }
    public var bothOrders: Bool { prompt.bothOrders }
    public var orderInvariant: Bool { false }

    public func judge(_ item: JudgeItem, first: String, second: String) async throws -> PositionalVerdict {
        var weighted = 0.0, total = 0.0
        var usage = TokenUsage()
        var notes: [String] = []
        for criterion in rubric {
            let v = try await prompt.judge(item, first: first, second: second,
                                           extra: ["criterion": criterion.name, "criterion_description": criterion.description])
            let p = v.probabilityFirst ?? (v.verdict == .a ? 1 : v.verdict == .b ? 0 : 0.5)
            weighted += criterion.weight * p
            total += criterion.weight
            usage = usage + v.usage
            notes.append(String(format: "%@ (x%g): %@ %.2f", criterion.name, criterion.weight,
                                v.verdict == .a ? "first" : v.verdict == .b ? "second" : "tie", p)
                         + (v.reason.map { " - \($0)" } ?? ""))
        }
        let p = weighted / total
        let verdict: PairVerdict = abs(2 * p - 1) <= tieMargin ? .tie : (p > 0.5 ? .a : .b)
        return PositionalVerdict(verdict: verdict, probabilityFirst: p, reason: notes.joined(separator: "\n"),
                                 method: "rubric", usage: usage)
    }
}

/// A pointwise judge used pairwise: each output is scored on its own and the higher score wins.
public struct ScoreJudge: PairwiseJudge {
    public let file: JudgeFile
    public let pattern: String
    public let range: ClosedRange<Double>
    public let provider: any ModelProvider
    public let identity: String
    public var name: String { file.name }
    public var bothOrders: Bool { file.bothOrders }
    public var orderInvariant: Bool { true }

    public func judge(_ item: JudgeItem, first: String, second: String) async throws -> PositionalVerdict {
        var scores: [Double?] = []
        var usage = TokenUsage()
        var texts: [String] = []
        for output in [first, second] {
            let text = try file.template.render([
                "instruction": item.instruction, "input": "", "output": output, "criteria": file.criteria.joined(separator: ", "),
                "reference": item.reference ?? "(none)", "requirements": item.requirements ?? "",
            ])
            let options = GenerationOptions(n: 1, temperature: 0, maxTokens: max(16, file.reasonTokens))
            let response = try await provider.complete(.chat([.user(text)], options))
            usage = usage + response.usage
            texts.append(response.text)
            scores.append(AnswerText.firstMatch(pattern, in: response.text).flatMap(Double.init).map {
                Swift.min(range.upperBound, Swift.max(range.lowerBound, $0))
            })
        }
        let reason = zip(["first", "second"], zip(scores, texts)).map { name, pair in
            "\(name): \(pair.0.map { String(format: "%g", $0) } ?? "no score") - \(pair.1.trimmingCharacters(in: .whitespacesAndNewlines))"
        }.joined(separator: "\n")
        guard let s1 = scores[0], let s2 = scores[1] else {
            return PositionalVerdict(verdict: .tie, probabilityFirst: nil, reason: reason, method: "unparsed", usage: usage)
        }
        return PositionalVerdict(verdict: s1 == s2 ? .tie : (s1 > s2 ? .a : .b), probabilityFirst: nil, reason: reason,
                                 method: "scores", usage: usage)
    }
}
