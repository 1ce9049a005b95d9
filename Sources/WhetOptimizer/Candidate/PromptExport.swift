import Foundation
import WhetCore
import WhetProviders

/// A chosen candidate in the forms `whet export` writes: a prompt file (`kind: exported`),
/// JSON, or OpenAI chat messages with the exemplars as turns.
public enum PromptExport {
    /// The prompt as one text with `{field}` placeholders: instruction, exemplars, template.
    public static func text(_ candidate: Candidate, task: TaskFile) -> String {
        var parts = [candidate.systemText]
        for exemplar in candidate.exemplars {
            let input = ((try? task.template.render(exemplar.fields)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            parts.append(escape(input.hasSuffix(":") ? "\(input) \(exemplar.answer)" : "\(input)\n\(exemplar.answer)"))
        }
        parts.append(task.template.source.trimmingCharacters(in: .whitespacesAndNewlines))
        return parts.joined(separator: "\n\n")
    }

    /// Literal braces in exemplar text, doubled so the prompt file's template keeps them.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "{", with: "{{").replacingOccurrences(of: "}", with: "}}")
    }

    /// `prompts/NAME.md`: front matter and the prompt text.
    public static func promptFile(_ candidate: Candidate, task: TaskFile, run: String, score: Double?, name: String) -> String {
        let description = (["Chosen by whet optimize for \(task.name) (run \(run))."] + notes(candidate)).joined(separator: " ")
        var lines = ["---", "name: \(name)", "kind: exported",
                     "description: \(yamlString(description))",
                     "variables: [\(task.template.fields.joined(separator: ", "))]", "task: \(yamlString(task.name))",
                     "run: \(yamlString(run))"]
        if let score { lines.append(String(format: "score: %.4f", score)) }
        lines.append("---")
        return lines.joined(separator: "\n") + "\n" + text(candidate, task: task) + "\n"
    }

    /// What the prompt text cannot carry: per-input exemplars and the label readout.
    public static func notes(_ candidate: Candidate) -> [String] {
        var notes: [String] = []
        if candidate.neighbours > 0 {
            notes.append("Before each input, show its \(candidate.neighbours) most similar train examples (MiniLM cosine), most similar last, as user/assistant turns.")
        }
        if let r = candidate.readout, r.weights != nil {
            notes.append("Read the label with a weighted verbalizer: each label scores the sum of weight × log-probability of "
                + "\(r.featureWords.count) first answer tokens (the heaviest: \(heaviest(r).prefix(6).map { "\"\($0)\"" }.joined(separator: ", ")), ...) "
                + "plus a bias, a logistic regression fitted on the train examples; the weights are in the JSON export.")
        } else if let r = candidate.readout, r.calibration != .none || r.aggregation != .sum || r.words.values.contains(where: { $0.count > 1 }) {
            let words = r.labels.map { "\($0): \((r.words[$0] ?? []).joined(separator: "|"))" }.joined(separator: ", ")
            var text = "Read the label from log-probabilities (\(r.aggregation.rawValue) per word) of \(words)"
            if !r.bias.isEmpty {
                text += "; add \(r.labels.compactMap { l in r.bias[l].map { String(format: "%@ %+.3f", l, $0) } }.joined(separator: ", "))"
                    + " (\(r.calibration.rawValue) calibration)"
            }
            notes.append(text + ".")
        }
        return notes
    }

    /// A weighted readout's words, largest weight spread across the labels first.
    static func heaviest(_ r: Readout) -> [String] {
        let weights = r.weights ?? [:]
        func spread(_ w: String) -> Double {
            let values = r.labels.map { weights[$0]?[w] ?? 0 }
            return (values.max() ?? 0) - (values.min() ?? 0)
        }
        return r.featureWords.map { ($0, spread($0)) }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map(\.0)
    }

    static func yamlString(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// OpenAI chat messages: the system message, the exemplars as user/assistant turns, and
    /// the template as the last user message.
    public static func chatMessages(_ candidate: Candidate, task: TaskFile) -> [[String: String]] {
        var messages = [["role": "system", "content": candidate.systemText]]
        for exemplar in candidate.exemplars {
            messages.append(["role": "user", "content": (try? task.template.render(exemplar.fields)) ?? ""])
            messages.append(["role": "assistant", "content": exemplar.answer])
        }
        messages.append(["role": "user", "content": task.template.source])
        return messages
    }
}
