import ArgumentParser
import Foundation
import Logging
import WhetCore
import WhetProviders
import WhetServer

/// `whet serve`: a model behind `/v1/models`, `/v1/chat/completions`, `/v1/completions` and `/health`,
/// for DSPy, promptfoo, LangChain or another Whetstone. Any model spec works; the local engine batches
/// concurrent requests.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve a model (by default the embedded one) over an OpenAI-compatible API.")

    @Option(help: "Address to listen on (loopback by default: the server has no authentication).")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port = 8080

    @OptionGroup var models: ModelOptions

    @Option(name: .customLong("model-id"), help: "Model id reported to clients (default: the GGUF file name without extension).")
    var modelID: String?

    @Option(name: .customLong("max-batch"), help: "Most sequences the local engine decodes together.")
    var maxBatch = 16

    func validate() throws {
        guard maxBatch >= 1 else { throw ValidationError("--max-batch must be at least 1") }
    }

    func run() async throws {
        let spec = try models.spec(default: nil)
        let (provider, _) = try ProviderFactory.makeBase(spec: spec, configuration: try models.configuration(), maxBatch: maxBatch)
        let id = modelID ?? Self.defaultID(spec: spec, provider: provider)
        var logger = Logger(label: "whet.serve")
        logger.logLevel = .info
        let host = self.host
        let console = Console.current
        let app = buildApplication(
            configuration: ServerConfiguration(host: host, port: port, modelID: id),
            provider: provider, logger: logger,
            onServerRunning: { port in
                // Written at once: scripts wait for this line on a pipe.
                console.out("whet serve: \(id) on http://\(host):\(port)/v1\n")
            })
        try await app.runService()
    }

    /// The GGUF file's name for a local model, else the provider's model name.
    static func defaultID(spec: ModelSpec?, provider: ModelProvider) -> String {
        if case .local(let path?) = spec { return ((path as NSString).lastPathComponent as NSString).deletingPathExtension }
        if spec == nil || spec == .embeddedDefault { return (ModelLocator.defaultGGUFName as NSString).deletingPathExtension }
        return provider.modelName
    }
}
