import ArgumentParser
import Foundation
import WhetCompression
import WhetCore
import WhetInference

/// `whet debug compress-batch FILE`: compresses every JSONL request in FILE with one
/// loaded compressor and prints one JSONL result per line (with the seconds each took),
/// so scripts/bench-compress times compression without model loading.
struct CompressBatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compress-batch",
        abstract: "Compress JSONL requests {id, context, question?, rate?, targetTokens?, mode?, keep?} with one loaded model.")

    @Argument(help: "JSONL requests.") var file: String
    @Option(name: .long, help: "The GGUF scoring model (default: the embedded SmolLM2).") var model: String?

    struct Item: Decodable {
        let id: String
        let context: String
        let question: String?
        let rate: Double?
        let targetTokens: Int?
        let mode: CompressionMode?
        let keep: [String]?
        let reorder: Bool?
        /// Overrides of `CompressionTuning` fields by name, for ablations.
        let tuning: [String: Double]?
    }

    struct Line: Encodable {
        let id: String
        let result: CompressionResult?
        let error: String?
    }

    static func tuning(_ overrides: [String: Double]) throws -> CompressionTuning {
        var t = CompressionTuning()
        for (key, value) in overrides {
            switch key {
            case "coarseFactor": t.coarseFactor = value
            case "windowTokens": t.windowTokens = Int(value)
            case "conditionTokens": t.conditionTokens = Int(value)
            case "dynamicRatio": t.dynamicRatio = value
            case "verbatimShare": t.verbatimShare = value
            case "questionNLLCandidates": t.questionNLLCandidates = Int(value)
            case "contrastiveShare": t.contrastiveShare = value
            default: throw UsageFailure(message: "tuning: unknown field \(key)")
            }
        }
        return t
    }

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw UsageFailure(message: "\(file): cannot read") }
        let compressor = try PromptCompressor.loadDefault(modelURL: model.map { URL(fileURLWithPath: $0) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for (n, raw) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            let item: Item
            do { item = try JSONDecoder().decode(Item.self, from: Data(raw.utf8)) } catch {
                throw UsageFailure(message: "\(file):\(n + 1): not a compress request (\(error))")
            }
            var line: Line
            do {
                let request = CompressionRequest(
                    context: item.context, question: item.question,
                    target: item.targetTokens.map { .tokens($0) } ?? .rate(item.rate ?? 0.5), mode: item.mode ?? .auto,
                    keep: try (item.keep ?? []).map(KeepRule.init(parsing:)), reorderByRelevance: item.reorder ?? false,
                    tuning: try Self.tuning(item.tuning ?? [:]))
                line = Line(id: item.id, result: try compressor.compress(request), error: nil)
            } catch {
                line = Line(id: item.id, result: nil, error: error.localizedDescription)
            }
            Console.current.out(String(decoding: try encoder.encode(line), as: UTF8.self) + "\n")
        }
    }
}

/// `whet debug answer-batch FILE`: greedy answers from the local model for JSONL chat
/// prompts {id, system?, user, maxTokens?}, batched; the benchmark's QA reader.
struct AnswerBatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "answer-batch", abstract: "Greedy answers to JSONL chat prompts {id, system?, user, maxTokens?}.")

    @Argument(help: "JSONL prompts.") var file: String
    @Option(name: .long, help: "The GGUF model (default: the embedded SmolLM2).") var model: String?
    @Option(name: .long, help: "Prompts decoded together.") var batch = 8

    struct Item: Decodable {
        let id: String
        let system: String?
        let user: String
        let maxTokens: Int?
    }

    struct Line: Encodable {
        let id: String
        let text: String
        let promptTokens: Int
    }

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw UsageFailure(message: "\(file): cannot read") }
        let items = try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try JSONDecoder().decode(Item.self, from: Data($0.utf8))
        }
        let engine = try LlamaEngine(modelURL: model.map { URL(fileURLWithPath: $0) } ?? ModelLocator.defaultGGUF())
        guard let template = engine.tokenizer.chatTemplate else { throw UsageFailure(message: "the model has no chat template") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for start in stride(from: 0, to: items.count, by: max(1, batch)) {
            let group = Array(items[start..<min(items.count, start + max(1, batch))])
            let requests = group.map { item in
                var messages: [ChatMessage] = []
                if let s = item.system { messages.append(.system(s)) }
                messages.append(.user(item.user))
                return GenerationRequest(prompt: engine.tokenize(template.render(messages, addGenerationPrompt: true)),
                                         maxTokens: item.maxTokens ?? 24)
            }
            let results = try engine.generateBatch(requests)
            for (item, r) in zip(group, results) {
                let line = Line(id: item.id, text: engine.tokenizer.decode(r.tokens, renderSpecial: false),
                                promptTokens: r.promptTokenCount)
                Console.current.out(String(decoding: try encoder.encode(line), as: UTF8.self) + "\n")
            }
        }
    }
}
