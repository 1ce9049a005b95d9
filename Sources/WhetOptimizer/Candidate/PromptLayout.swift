import Foundation
import WhetCore
import WhetProviders

/// How a candidate becomes chat messages: the instruction (and format line) as the system
/// message, each exemplar as a user turn (the task's template) and an assistant turn (its
/// answer), then the input as the last user turn. Everything before the last user turn is
/// the same for every input of a fixed-exemplar candidate: one shared prefix.
public struct PromptLayout: Sendable {
    public let task: TaskFile

    public init(task: TaskFile) { self.task = task }

    public func messages(_ candidate: Candidate, fields: [String: String], exemplars: [Exemplar]) throws -> [ChatMessage] {
        var messages = [ChatMessage.system(candidate.systemText)]
        for exemplar in exemplars {
            messages.append(.user(try task.template.render(exemplar.fields)))
            messages.append(.assistant(exemplar.answer))
        }
        messages.append(.user(try task.template.render(fields)))
        return messages
    }

    /// The candidate as one text: the system text, the exemplars and the template, as
    /// `whet export` writes it and as proposals are embedded for de-duplication.
    public func text(_ candidate: Candidate) -> String {
        var parts = [candidate.systemText]
        for exemplar in candidate.exemplars {
            let input = (try? task.template.render(exemplar.fields)) ?? ""
            parts.append(input.trimmingCharacters(in: .whitespacesAndNewlines) + " " + exemplar.answer)
        }
        if candidate.neighbours > 0 { parts.append("(\(candidate.neighbours) nearest train examples per input)") }
        return parts.joined(separator: "\n\n")
    }
}
