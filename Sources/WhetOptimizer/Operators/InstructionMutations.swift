import Foundation
import WhetCore

/// Model-free rewrites of a candidate's instruction and format line: cheap, and on a small
/// model often as good as a model's own rewrites.
public enum InstructionMutation: String, CaseIterable, Codable, Sendable {
    /// An expert role before the instruction.
    case role
    /// "Think step by step" (generation tasks with room for reasoning).
    case stepByStep = "step-by-step"
    /// A line that constrains the answer's form (the labels, a number, a single word).
    case outputFormat = "output-format"
    /// Encouragement lines of "The Unreasonable Effectiveness of Eccentric Automatic
    /// Prompts" (Battle & Gollapudi, 2024).
    case positiveThinking = "positive-thinking"
    /// The instruction's first sentence only.
    case shorten

    static let openers = [
        "You are highly intelligent.",
        "You are as smart as ChatGPT.",
        "You are an expert at this task.",
        "Take a deep breath and think carefully.",
    ]
    static let closers = [
        "This will be fun!",
        "You've got this!",
        "Keep up the good work!",
        "I really need your help!",
    ]

    /// The mutated candidate, or nil when the mutation does not apply (it would change nothing).
    public func apply(to candidate: Candidate, task: TaskFile, variant: Int = 0) -> Candidate? {
        var c = candidate
        c.readout = candidate.readout
        switch self {
        case .role:
            let what = task.description.isEmpty ? "following instructions" : Self.gerund(task.description)
            let role = "You are an expert at \(what)."
            guard !c.instruction.hasPrefix("You are") else { return nil }
            c.instruction = role + " " + c.instruction
        case .stepByStep:
            guard task.answer.typeName != "label", !c.instruction.lowercased().contains("step by step") else { return nil }
            c.instruction += " Think step by step, then give the final answer on the last line."
            c.maxTokens = max(c.maxTokens ?? task.maxTokens, 192)
        case .outputFormat:
            guard c.formatLine == nil else { return nil }
            c.formatLine = Self.formatLine(task: task, candidate: c)
            if case .label = task.answer {} else { c.maxTokens = min(c.maxTokens ?? task.maxTokens, 24) }
        case .positiveThinking:
            let opener = Self.openers[variant % Self.openers.count]
            let closer = Self.closers[(variant / Self.openers.count + variant) % Self.closers.count]
            c.instruction = opener + " " + c.instruction + " " + closer
        case .shorten:
            let sentences = Self.sentences(c.instruction)
            guard sentences.count > 1 else { return nil }
            c.instruction = sentences[0]
        }
        return c == candidate ? nil : c
    }

    /// "Answer with one word: positive or negative." for labels; the form of the answer otherwise.
    static func formatLine(task: TaskFile, candidate: Candidate) -> String {
        switch task.answer {
        case .label(let labels):
            let words = labels.map { candidate.answerWords[$0.label] ?? $0.label }
            return "Answer with one of: \(words.joined(separator: ", "))."
        case .number: return "Answer with the final number only."
        case .regex, .text: return "Answer with the answer only, no explanation."
        }
    }

    /// "Classify a movie-review snippet as positive or negative." -> "classifying a movie-review ...".
    static func gerund(_ description: String) -> String {
        var text = sentences(description).first ?? description
        if text.hasSuffix(".") { text.removeLast() }
        guard let first = text.split(separator: " ").first else { return text.lowercased() }
        var verb = first.lowercased()
        if verb.hasSuffix("e") && !verb.hasSuffix("ee") { verb.removeLast() }
        let rest = text.dropFirst(first.count)
        return verb + "ing" + rest
    }

    static func sentences(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        for ch in text {
            current.append(ch)
            if ".!?".contains(ch) {
                let s = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !s.isEmpty { result.append(s) }
                current = ""
            }
        }
        let tail = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !tail.isEmpty { result.append(tail) }
        return result
    }
}

/// Two parents' parts combined: the instruction and format of one, the exemplars (and
/// their answer words) of the other.
public enum Crossover {
    public static func combine(instructionFrom a: Candidate, exemplarsFrom b: Candidate) -> Candidate {
        var child = b
        child.instruction = a.instruction
        child.formatLine = a.formatLine
        child.maxTokens = a.maxTokens ?? b.maxTokens
        return child
    }
}
