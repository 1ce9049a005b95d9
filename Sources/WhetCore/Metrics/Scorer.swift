import Foundation

/// Scores a model output against a reference, as the task's metric says.
/// Answer extraction follows the task's answer format first, so a chatty
/// "The sentiment is positive." still scores as `positive`.
public struct Scorer: Sendable {
    public let metric: Metric
    public let answer: AnswerFormat

    public init(metric: Metric, answer: AnswerFormat) {
        self.metric = metric
        self.answer = answer
    }

    public init(task: TaskFile) { self.init(metric: task.metric, answer: task.answer) }

    /// The answer the output commits to, or nil if it commits to none.
    public func extract(_ output: String) -> String? {
        switch answer {
        case .text: return output.trimmingCharacters(in: .whitespacesAndNewlines)
        case .number: return AnswerText.lastNumber(in: output).map(AnswerText.formatNumber)
        case .regex(let pattern): return AnswerText.firstMatch(pattern, in: output)
        case .label(let labels): return AnswerText.label(in: output, labels: labels)
        }
    }

    /// 0...1. The `judge` metric is scored by a judge, not here.
    public func score(output: String, reference: String) -> Double {
        let extracted = extract(output)
        switch metric {
        case .exactMatch:
            guard let e = extracted else { return 0 }
            return AnswerText.normalize(e) == AnswerText.normalize(reference) ? 1 : 0
        case .choiceAccuracy:
            guard let e = extracted else { return 0 }
            let ref: String
            if case .label(let labels) = answer { ref = AnswerText.label(in: reference, labels: labels) ?? reference } else { ref = reference }
            return e == ref ? 1 : 0
        case .contains:
            let needle = AnswerText.normalize(reference)
            return !needle.isEmpty && AnswerText.normalize(output).contains(needle) ? 1 : 0
        case .numeric:
            guard let got = AnswerText.lastNumber(in: extracted ?? output), let want = AnswerText.lastNumber(in: reference) else { return 0 }
            return abs(got - want) <= 1e-6 * max(1, abs(want)) ? 1 : 0
        case .tokenF1:
            return AnswerText.tokenF1(extracted ?? output, reference)
        case .regex:
            guard let e = extracted else { return 0 }
            return AnswerText.normalize(e) == AnswerText.normalize(reference) ? 1 : 0
        case .judge:
            return 0
        }
    }
}

/// Text helpers shared by the metrics (SQuAD-style normalisation).
public enum AnswerText {
    public static func normalize(_ s: String) -> String {
        let lowered = s.lowercased()
        let noPunct = String(lowered.unicodeScalars.map { CharacterSet.punctuationCharacters.contains($0) ? " " : Character($0) })
        let words = noPunct.split(whereSeparator: { $0.isWhitespace }).filter { !["a", "an", "the"].contains($0) }
        return words.joined(separator: " ")
    }

    public static func tokenF1(_ prediction: String, _ reference: String) -> Double {
        let p = normalize(prediction).split(separator: " ").map(String.init)
        let r = normalize(reference).split(separator: " ").map(String.init)
        if p.isEmpty || r.isEmpty { return p.isEmpty && r.isEmpty ? 1 : 0 }
        var counts: [String: Int] = [:]
        for t in r { counts[t, default: 0] += 1 }
        var common = 0
        for t in p where (counts[t] ?? 0) > 0 { common += 1; counts[t]! -= 1 }
        guard common > 0 else { return 0 }
        let precision = Double(common) / Double(p.count), recall = Double(common) / Double(r.count)
        return 2 * precision * recall / (precision + recall)
    }

    /// The last number in the text ("1,234.5" -> 1234.5), as GSM8K graders read answers.
    public static func lastNumber(in text: String) -> Double? {
        let pattern = #"-?\d[\d,]*(?:\.\d+)?|-?\.\d+"#
        guard let re = try? NSRegularExpression(pattern: pattern) else { return nil }
        let ns = text as NSString
        let matches = re.matches(in: text, range: NSRange(location: 0, length: ns.length))
        for m in matches.reversed() {
            let s = ns.substring(with: m.range).replacingOccurrences(of: ",", with: "")
            if let v = Double(s) { return v }
        }
        return nil
    }

    public static func formatNumber(_ v: Double) -> String {
        v.rounded() == v && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }

    public static func firstMatch(_ pattern: String, in text: String) -> String? {
        guard let re = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]) else { return nil }
        let ns = text as NSString
        guard let m = re.firstMatch(in: text, range: NSRange(location: 0, length: ns.length)) else { return nil }
        let r = m.numberOfRanges > 1 && m.range(at: 1).location != NSNotFound ? m.range(at: 1) : m.range
        return ns.substring(with: r).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The label whose verbalizer appears earliest in the output (whole words,
    /// case-insensitive); the longest verbalizer wins a tie at one position.
    public static func label(in output: String, labels: [LabelVerbalizer]) -> String? {
        let text = " " + normalize(output) + " "
        var best: (pos: Int, len: Int, label: String)?
        for l in labels {
            for v in l.verbalizers + [l.label] {
                let needle = " " + normalize(v) + " "
                guard needle.count > 2, let r = text.range(of: needle) else { continue }
                let pos = text.distance(from: text.startIndex, to: r.lowerBound)
                if best == nil || pos < best!.pos || (pos == best!.pos && needle.count > best!.len) {
                    best = (pos, needle.count, l.label)
                }
            }
        }
        return best?.label
    }
}
