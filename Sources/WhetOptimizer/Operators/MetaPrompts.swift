import Foundation
import WhetCore
import WhetProviders

/// The optimizer's meta-prompts (`prompts/*.md`, `kind: meta`), by name.
public struct MetaPrompts: Sendable {
    public static let induce = "induce-instruction"
    public static let history = "propose-from-history"
    public static let failures = "propose-instruction"
    public static let comparison = "rewrite-from-comparison"

    public let prompts: [String: PromptFile]
    public let directory: String?

    public init(prompts: [String: PromptFile], directory: String?) {
        self.prompts = prompts
        self.directory = directory
    }

    /// Every `kind: meta` prompt in `directory`. A file that does not parse is an error
    /// naming it; a directory without meta-prompts leaves the model-written operators off.
    public static func load(directory: String?) throws -> MetaPrompts {
        guard let directory else { return MetaPrompts(prompts: [:], directory: nil) }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var prompts: [String: PromptFile] = [:]
        for name in files.sorted() where name.hasSuffix(".md") {
            let file = try PromptFile.load((directory as NSString).appendingPathComponent(name))
            if file.kind == .meta { prompts[file.name] = file }
        }
        return MetaPrompts(prompts: prompts, directory: directory)
    }

    public func render(_ name: String, _ values: [String: String]) throws -> String? {
        guard let prompt = prompts[name] else { return nil }
        do {
            return try prompt.template.render(values)
        } catch {
            throw OptimizerError.metaPrompt(path: prompt.path, reason: "cannot fill its placeholders: \(error.localizedDescription)")
        }
    }

    public var names: [String] { prompts.keys.sorted() }
}

/// Reads instructions out of a proposer's reply: one per line, numbering, bullets, quotes
/// and "Instruction:" labels removed; too short, too long, templated or duplicate lines dropped.
public enum ProposalParser {
    public static func instructions(from reply: String, limit: Int) -> [String] {
        var seen = Set<String>()
        var result: [String] = []
        for raw in reply.components(separatedBy: .newlines) {
            var line = raw.trimmingCharacters(in: .whitespaces)
            while let first = line.first, "-*•#>0123456789.)".contains(first) { line.removeFirst(); line = line.trimmingCharacters(in: .whitespaces) }
            for label in ["Instruction:", "New instruction:", "The instruction was to", "The instruction was"] {
                if line.lowercased().hasPrefix(label.lowercased()) { line = String(line.dropFirst(label.count)).trimmingCharacters(in: .whitespaces) }
            }
            line = line.trimmingCharacters(in: CharacterSet(charactersIn: "\"'`“”<>[] "))
            guard line.count >= 12, line.count <= 400, !line.contains("{"), !line.contains("}") else { continue }
            guard line.split(separator: " ").count >= 3 else { continue }
            if let first = line.first, first.isLowercase { line = first.uppercased() + line.dropFirst() }
            if !".!?".contains(line.last!) { line += "." }
            if seen.insert(line.lowercased()).inserted { result.append(line) }
            if result.count >= limit { break }
        }
        return result
    }
}

/// Instructions written by a model (the task model or `--optimizer-model`) from a
/// meta-prompt: APE's induction from demonstrations, OPRO's proposal from the scored
/// history, a rewrite from the failures. Samples are seeded, so the same run asks the
/// same questions and the response cache answers them on a resume.
public struct InstructionProposer: Sendable {
    public let provider: ModelProvider
    public let prompts: MetaPrompts
    public let task: TaskFile
    public let price: PriceTable?

    public init(provider: ModelProvider, prompts: MetaPrompts, task: TaskFile, price: PriceTable?) {
        self.provider = provider
        self.prompts = prompts
        self.task = task
        self.price = price
    }

    public var available: Bool { prompts.prompts[MetaPrompts.induce] != nil || prompts.prompts[MetaPrompts.history] != nil }

    public static let maxTokens = 120

    /// The request for a meta-prompt, or nil when it is not in `prompts/`.
    public func request(_ name: String, _ values: [String: String], samples: Int, seed: UInt64) throws -> ProviderRequest? {
        guard let text = try prompts.render(name, values) else { return nil }
        return .chat([.user(text)], GenerationOptions(n: samples, temperature: 0.8, maxTokens: Self.maxTokens, seed: seed))
    }

    public func estimate(_ request: ProviderRequest) -> Spend {
        let usage = ManagedProvider.estimate(request)
        return Spend(calls: 1, tokens: usage.totalTokens, costUSD: price?.cost(of: usage) ?? 0)
    }

    /// Runs the request and parses every sample; `perSample` instructions kept from each.
    public func propose(_ request: ProviderRequest, perSample: Int) async throws -> (instructions: [String], spend: Spend) {
        let response = try await provider.complete(request)
        var found: [String] = []
        for choice in response.choices {
            for line in ProposalParser.instructions(from: choice.text, limit: perSample) where !found.contains(line) {
                found.append(line)
            }
        }
        let usage = response.usage
        return (found, Spend(calls: 1, tokens: usage.totalTokens, costUSD: price?.cost(of: usage) ?? 0))
    }

    /// Demonstrations as the meta-prompts show them: the filled template followed by the
    /// answer when the template ends in a colon ("Sentiment: positive"), else Input/Output pairs.
    public func demonstrations(_ examples: [Exemplar]) -> String {
        examples.map { e in
            let input = ((try? task.template.render(e.fields)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            return input.hasSuffix(":") ? "\(input) \(e.answer)" : "Input: \(input)\nOutput: \(e.answer)"
        }.joined(separator: "\n\n")
    }
}
