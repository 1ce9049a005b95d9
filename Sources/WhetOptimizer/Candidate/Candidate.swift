import Foundation
import WhetCore

/// One worked example shown to the model before the input: the input's fields and the
/// answer text the prompt shows for it (the reference, the label's word, or the model's
/// own correct output).
public struct Exemplar: Codable, Hashable, Sendable {
    public var id: String
    public var fields: [String: String]
    public var answer: String

    public init(id: String, fields: [String: String], answer: String) {
        self.id = id
        self.fields = fields
        self.answer = answer
    }
}

/// A prompt the optimizer can score: instruction, output-format line, ordered exemplars
/// (fixed, or the input's nearest neighbours), and for label tasks the words the exemplars
/// answer with and how label log-probabilities become a decision (`Readout`).
public struct Candidate: Codable, Hashable, Sendable {
    public var instruction: String
    /// A line appended to the instruction that constrains the answer's form.
    public var formatLine: String?
    /// Shown before every input, in this order.
    public var exemplars: [Exemplar]
    /// When > 0: this many exemplars per input, the train examples nearest to it
    /// (MiniLM cosine), most similar last; `exemplars` is then empty.
    public var neighbours: Int
    /// Label tasks: the word each label's exemplars answer with.
    public var answerWords: [String: String]
    /// Label tasks: how the per-word log-probabilities are read out.
    public var readout: Readout?
    /// Generation tasks: the longest answer, in tokens (nil: the task's default).
    public var maxTokens: Int?

    public init(instruction: String, formatLine: String? = nil, exemplars: [Exemplar] = [], neighbours: Int = 0,
                answerWords: [String: String] = [:], readout: Readout? = nil, maxTokens: Int? = nil) {
        self.instruction = instruction
        self.formatLine = formatLine
        self.exemplars = exemplars
        self.neighbours = neighbours
        self.answerWords = answerWords
        self.readout = readout
        self.maxTokens = maxTokens
    }

    /// The system message: the instruction and the format line.
    public var systemText: String {
        guard let formatLine, !formatLine.isEmpty else { return instruction }
        return instruction + "\n" + formatLine
    }

    /// What decides the model's input: everything but the readout, which is applied
    /// after the model call. Two candidates with the same prompt key share every call.
    public var promptKey: Candidate {
        var copy = self
        copy.readout = nil
        return copy
    }

    /// Characters of the shared part of the prompt: ties between equal scores go to the shorter.
    public var length: Int {
        systemText.count + exemplars.reduce(0) { $0 + $1.answer.count + $1.fields.values.reduce(0) { $0 + $1.count } }
            + neighbours * 40
    }

    /// A one-line description for lineage and progress.
    public var summary: String {
        var parts = ["\"\(instruction.count > 50 ? String(instruction.prefix(47)) + "..." : instruction)\""]
        if formatLine != nil { parts.append("+format") }
        if !exemplars.isEmpty { parts.append("\(exemplars.count)-shot") }
        if neighbours > 0 { parts.append("\(neighbours)-nn") }
        if let readout { parts.append(readout.summary) }
        return parts.joined(separator: " ")
    }

    /// The seed: the task file's instruction, zero-shot, its own label words.
    public static func seed(for task: TaskFile) -> Candidate {
        var candidate = Candidate(instruction: task.instruction)
        if case .label(let labels) = task.answer {
            for label in labels { candidate.answerWords[label.label] = label.verbalizers.first ?? label.label }
            candidate.readout = Readout.seed(labels: labels)
        }
        return candidate
    }

    /// The JSON stored with the candidate in the lineage store and in exports.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    public static func decode(_ json: String) throws -> Candidate {
        try JSONDecoder().decode(Candidate.self, from: Data(json.utf8))
    }
}

