import Foundation
import WhetCore
import WhetProviders

/// A prompt to evaluate: an instruction plus few-shot exemplars, rendered with
/// the task's template into chat messages (exemplars as prior user/assistant turns,
/// the way DSPy and promptfoo lay out few-shot chat prompts).
public struct PromptCandidate: Sendable, Equatable {
    public var instruction: String
    public var exemplars: [Example]

    public init(instruction: String, exemplars: [Example] = []) {
        self.instruction = instruction
        self.exemplars = exemplars
    }

    public func messages(for example: Example, task: TaskFile) throws -> [ChatMessage] {
        var messages = [ChatMessage.system(instruction)]
        for e in exemplars {
            messages.append(.user(try task.template.render(e.fields)))
            messages.append(.assistant(e.answer ?? ""))
        }
        messages.append(.user(try task.template.render(example.fields)))
        return messages
    }

    public var exemplarsJSON: String {
        let list = exemplars.map { ["id": $0.id, "answer": $0.answer ?? ""] }
        let data = (try? JSONSerialization.data(withJSONObject: list, options: [.sortedKeys])) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
