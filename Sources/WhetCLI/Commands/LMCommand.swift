import ArgumentParser
import Foundation
import WhetCore
import WhetInference

/// `whet lm`: the in-process language model (GGUF, llama architecture).
struct LMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lm",
        abstract: "Run the in-process language model: tokenize, generate, next-token log-probs, score, bench.",
        subcommands: [
            LMTokenizeCommand.self, LMGenerateCommand.self, LMLogprobsCommand.self, LMScoreCommand.self,
            LMBenchCommand.self,
        ])
}

/// `--model`, in the model-spec grammar but local only (these commands drive the engine itself).
struct LMModelOptions: ParsableArguments {
    @Option(name: .long, help: "A local model: default or a .gguf path (default: the embedded SmolLM2-135M-Instruct).")
    var model: String?

    func url() throws -> URL {
        let spec = try model.map { try ModelSpec.parse($0, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) }
        switch spec ?? .embeddedDefault {
        case .local(let path?):
            guard FileManager.default.fileExists(atPath: path) else { throw UsageFailure(message: "\(path): no such GGUF file") }
            return URL(fileURLWithPath: path)
        case .local(nil): return try ModelLocator.defaultGGUF()
        default: throw UsageFailure(message: "--model \(model ?? ""): whet lm runs the in-process engine; give default or a .gguf path")
        }
    }

    @Option(name: .long, help: "How prompts are multiplied by the weights: llama.cpp (its integer products, bit for bit) or sgemm (OpenBLAS on F32 copies of the weights).")
    var promptArithmetic = PromptArithmetic.llamaCpp

    @Option(name: .long, help: "How generation steps multiply by the weights: auto (one request in llama.cpp's order, batches in block sums), block-sums (integer block sums, faster in batches) or llama.cpp (its order, bit for bit).")
    var decodeArithmetic = DecodeArithmetic.auto

    func load() throws -> LlamaEngine {
        var options = EngineOptions()
        options.promptArithmetic = promptArithmetic
        options.decodeArithmetic = decodeArithmetic
        return try LlamaEngine(modelURL: url(), options: options)
    }
}

extension PromptArithmetic: ExpressibleByArgument {}
extension DecodeArithmetic: ExpressibleByArgument {}

/// Reads `--text` or `--prompt` style input, or a file.
enum LMInput {
    static func text(_ inline: String?, file: String?, name: String) throws -> String {
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw UsageFailure(message: "\(file): cannot read the \(name) file")
            }
            return String(decoding: data, as: UTF8.self)
        }
        guard let inline else { throw UsageFailure(message: "give --\(name) or --\(name)-file") }
        return inline
    }
}
