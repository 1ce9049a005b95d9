import ArgumentParser
import Foundation
import Logging
import WhetProviders
import WhetServer

/// `whet serve`: the local model behind `/v1/models`, `/v1/chat/completions`, `/v1/completions` and
/// `/health`, for DSPy, promptfoo, LangChain or another Whetstone.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve the local model over an OpenAI-compatible API.")

    @Option(help: "Address to listen on (loopback by default: the server has no authentication).")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port = 8080

    @Option(help: "The model to serve: local, a configured local model, or a path to a .gguf file.")
    var model = "local"

    @Option(help: "Model configuration YAML (see examples/endpoints.yaml).")
    var config: String?

    @Option(name: .customLong("model-id"), help: "Model id reported to clients (default: the GGUF file name without extension).")
    var modelID: String?

    @Option(name: .customLong("max-batch"), help: "Most sequences decoded together.")
    var maxBatch = 16

    func run() async throws {
        let configuration = try config.map { try ProvidersConfiguration.load(path: $0) } ?? ProvidersConfiguration()
        guard case .local(_, let path, _) = try ModelSpecifier.resolve(model, configuration: configuration) else {
            throw ProviderError.modelSpecifier(spec: model, reason: "whet serve serves an in-process model: use local or a .gguf path")
        }
        let file = try ProviderFactory.ggufPath(path)
        let backend = try EngineBackendLoader.load(file)
        let id = modelID ?? ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        var logger = Logger(label: "whet.serve")
        logger.logLevel = .info
        let host = self.host
        let app = buildApplication(
            configuration: ServerConfiguration(host: host, port: port, modelID: id, maxBatch: maxBatch),
            backend: backend, logger: logger,
            onServerRunning: { port in
                // Flushed at once: scripts wait for this line on a pipe.
                FileHandle.standardOutput.write(Data("whet serve: \(id) on http://\(host):\(port)/v1\n".utf8))
            })
        try await app.runService()
    }
}
