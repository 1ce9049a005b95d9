import Foundation
import WhetCompression
import WhetCore

/// Applies a task's `compress:` option to the examples a prompt renders (the input and any
/// exemplars) before the model sees them. One per run: the compressor's models load once, and each
/// distinct field value is compressed once and reused for every candidate that renders it.
public final class ExampleCompressor: @unchecked Sendable {
    public let settings: TaskCompression
    public let compressor: PromptCompressor
    private var cache: [Key: Entry] = [:]
    private let cacheLock = NSLock()
    /// Compressions run one at a time: they share the compressor's models, and a value two
    /// prompts ask for at once is then compressed once.
    private let computeLock = NSLock()

    struct Key: Hashable {
        var text: String
        var question: String?
    }

    struct Entry {
        var text: String
        var tally: CompressionTally
    }

    public init(settings: TaskCompression, compressor: PromptCompressor) {
        self.settings = settings
        self.compressor = compressor
    }

    /// The compressor for `task`'s `compress:` option with the embedded models, or nil when the task
    /// compresses nothing.
    public static func forTask(_ task: TaskFile) throws -> ExampleCompressor? {
        guard let settings = task.compress else { return nil }
        return ExampleCompressor(settings: settings, compressor: try PromptCompressor.loadDefault())
    }

    /// `fields` with every compressed field replaced, and the tokens that saved.
    public func apply(_ fields: [String: String], exampleId: String = "") throws -> (fields: [String: String], tally: CompressionTally) {
        var out = fields
        var tally = CompressionTally()
        let question = settings.questionField.flatMap { fields[$0] }
        for name in settings.fields {
            guard let value = fields[name] else { continue }
            let entry = try compressed(value, question: question, field: name, exampleId: exampleId)
            out[name] = entry.text
            tally += entry.tally
        }
        return (out, tally)
    }

    public func apply(_ example: Example) throws -> (example: Example, tally: CompressionTally) {
        let (fields, tally) = try apply(example.fields, exampleId: example.id)
        return (Example(id: example.id, fields: fields, answer: example.answer), tally)
    }

    /// The candidate's exemplars compressed as the inputs are.
    public func apply(_ candidate: PromptCandidate) throws -> (candidate: PromptCandidate, tally: CompressionTally) {
        var out = candidate
        var tally = CompressionTally()
        out.exemplars = try candidate.exemplars.map { e in
            let (c, t) = try apply(e)
            tally += t
            return c
        }
        return (out, tally)
    }

    /// Compresses every value `examples` will need up front, sending "compressing" stage events, so
    /// scoring later finds them cached.
    public func prepare(_ examples: [Example], progress: ProgressSink? = nil) throws {
        let pending = examples.filter { e in
            let question = settings.questionField.flatMap { e.fields[$0] }
            return settings.fields.contains { name in
                guard let value = e.fields[name] else { return false }
                return cacheLock.withLock { cache[Key(text: value, question: question)] == nil }
            }
        }
        guard !pending.isEmpty else { return }
        progress?(.stage(name: "compressing", done: 0, total: pending.count))
        for (i, e) in pending.enumerated() {
            try Task.checkCancellation()
            _ = try apply(e)
            progress?(.stage(name: "compressing", done: i + 1, total: pending.count))
        }
    }

    /// Distinct values compressed so far and their tokens before and after.
    public var distinct: (values: Int, tally: CompressionTally) {
        cacheLock.withLock { (cache.count, cache.values.reduce(CompressionTally()) { $0 + $1.tally }) }
    }

    func compressed(_ value: String, question: String?, field: String, exampleId: String) throws -> Entry {
        let key = Key(text: value, question: question)
        if let hit = cacheLock.withLock({ cache[key] }) { return hit }
        return try computeLock.withLock {
            if let hit = cacheLock.withLock({ cache[key] }) { return hit }
            let entry: Entry
            if value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                entry = Entry(text: value, tally: CompressionTally())
            } else {
                do {
                    let r = try compressor.compress(CompressionRequest(context: value, question: question,
                                                                       target: .rate(settings.rate)))
                    entry = Entry(text: r.compressed, tally: CompressionTally(originalTokens: r.originalTokens,
                                                                             compressedTokens: r.compressedTokens))
                } catch {
                    throw ExampleCompressionError.failed(example: exampleId, field: field,
                                                         reason: (error as? LocalizedError)?.errorDescription ?? "\(error)")
                }
            }
            cacheLock.withLock { cache[key] = entry }
            return entry
        }
    }
}

/// Tokens of compressed fields before and after compression, in the compressor's tokenizer.
public struct CompressionTally: Codable, Sendable, Equatable {
    public var originalTokens = 0
    public var compressedTokens = 0
    public var tokensSaved: Int { originalTokens - compressedTokens }
    /// compressedTokens / originalTokens (1 when nothing was compressed).
    public var rate: Double { originalTokens > 0 ? Double(compressedTokens) / Double(originalTokens) : 1 }

    public init(originalTokens: Int = 0, compressedTokens: Int = 0) {
        self.originalTokens = originalTokens
        self.compressedTokens = compressedTokens
    }

    public static func + (a: CompressionTally, b: CompressionTally) -> CompressionTally {
        CompressionTally(originalTokens: a.originalTokens + b.originalTokens,
                         compressedTokens: a.compressedTokens + b.compressedTokens)
    }

    public static func += (a: inout CompressionTally, b: CompressionTally) { a = a + b }

    enum CodingKeys: String, CodingKey { case originalTokens, compressedTokens, tokensSaved, rate }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        originalTokens = try c.decode(Int.self, forKey: .originalTokens)
        compressedTokens = try c.decode(Int.self, forKey: .compressedTokens)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(originalTokens, forKey: .originalTokens)
        try c.encode(compressedTokens, forKey: .compressedTokens)
        try c.encode(tokensSaved, forKey: .tokensSaved)
        try c.encode(rate, forKey: .rate)
    }
}

public enum ExampleCompressionError: UserFacingError, Equatable {
    case failed(example: String, field: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .failed(example, field, reason):
            return "compress: example \(example), field '\(field)': \(reason)"
        }
    }
}
