import ArgumentParser
import Foundation
import Logging
import WhetCore
import WhetProviders
import WhetServer
import WhetStore

/// `whet serve`: a model behind the OpenAI API (`/v1/models`, `/v1/chat/completions`, `/v1/completions`),
/// runs over HTTP with live events (`/v1/runs`), compare, judge and compress (`/v1/compare`, `/v1/judge`,
/// `/v1/compress`), the web UI (`/ui/`) and `/openapi.json`, behind a bearer
/// token. Any model spec works; the local engine batches concurrent requests and runs together.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a model over an OpenAI-compatible API, with runs over HTTP and a web UI.",
        discussion: """
            Every route but /health needs the header `Authorization: Bearer TOKEN`. The token is --token, else \
            $WHET_TOKEN, else the file beside the database (DB.token, mode 600), generated and printed at the first \
            start. Prefer $WHET_TOKEN to --token, which other users can see in the process list.
            Runs (POST /v1/runs) are kept in the lineage store (--db); at most --max-runs run at once, the rest \
            wait as `queued`. A server started on a database whose earlier server stopped mid-run resumes those \
            runs, answering the calls already made from the response cache.
            Runs are optimizations (whet optimize) or evaluations (whet eval) of a task sent by content. POST /v1/compare, \
            /v1/judge and /v1/compress answer in the request with the --json of those commands; a request's judge \
            defaults to judges/local.yaml in the working directory, and optimize runs use the nearest prompts/.
            The web UI is at http://HOST:PORT/ui/ (it asks for the token once); the API is described at /openapi.json.
            Example: WHET_TOKEN=$(cat .whet/lineage.sqlite.token) whet serve --host 0.0.0.0 --max-runs 2
            """)

    @Option(help: "Address to listen on. Beyond loopback a token is required (see --no-auth).")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port = 8080

    @OptionGroup var models: ModelOptions

    @Option(name: .customLong("model-id"), help: "Model id reported to clients (default: the GGUF file name without extension).")
    var modelID: String?

    @Option(name: .customLong("max-batch"), help: "Most sequences the local engine decodes together.")
    var maxBatch = 16

    @OptionGroup var store: StoreOptions

    @Option(help: "The bearer token clients must send (default: $WHET_TOKEN, else the token file beside the database).")
    var token: String?

    @Flag(name: .customLong("no-auth"), help: "Serve without a token: only on a loopback --host.")
    var noAuth = false

    @Option(name: .customLong("max-runs"), help: "Most runs in progress at once; later ones wait as queued.")
    var maxRuns = 2

    @Option(name: .customLong("max-body-mb"), help: "Largest request body accepted, in MiB (a larger one gets 413).")
    var maxBodyMB = 8

    func validate() throws {
        guard maxBatch >= 1 else { throw ValidationError("--max-batch must be at least 1") }
        guard maxRuns >= 1 else { throw ValidationError("--max-runs must be at least 1") }
        guard (1...1024).contains(maxBodyMB) else { throw ValidationError("--max-body-mb must be from 1 to 1024") }
        if noAuth && token != nil { throw ValidationError("--no-auth and --token contradict each other") }
    }

    func run() async throws {
        var resolvedToken: (AccessToken, AccessToken.Source)?
        if !noAuth {
            resolvedToken = try AccessToken.resolve(explicit: token, environment: ProcessInfo.processInfo.environment["WHET_TOKEN"],
                                                    database: store.path)
        }
        let serverConfiguration = ServerConfiguration(host: host, port: port, modelID: "", maxBodyBytes: maxBodyMB << 20,
                                                      token: resolvedToken?.0)
        try serverConfiguration.validate()

        let spec = try models.spec(default: nil)
        let (provider, price) = try ProviderFactory.makeBase(spec: spec, configuration: try models.configuration(), maxBatch: maxBatch)
        let id = modelID ?? Self.defaultID(spec: spec, provider: provider)
        var configuration = serverConfiguration
        configuration.modelID = id

        let lineage = try store.open()
        let environment = RunEnvironment(base: provider, price: price, modelID: id, store: lineage)
        let runs = RunManager(environment: environment, handlers: Self.runKinds(), maxRuns: maxRuns)
        let tools = ToolService(environment: environment, defaultJudgePath: Self.defaultJudgePath())
        let resumed = try await runs.resumeUnfinished()

        var logger = Logger(label: "whet.serve")
        logger.logLevel = .info
        let host = self.host
        let console = Console.current
        let dbPath = store.path
        let maxRuns = self.maxRuns
        let token = resolvedToken
        let app = try buildApplication(
            configuration: configuration, provider: provider, runs: runs, tools: tools, logger: logger,
            onServerRunning: { port in
                var lines: [String] = []
                switch token?.1 {
                case .generated(let path)?:
                    lines.append("whet serve: token generated and kept in \(path) (mode 600): \(token!.0.value)")
                    lines.append("whet serve: web UI at http://\(host):\(port)/ui/#token=\(token!.0.value)")
                case .file(let path)?:
                    lines.append("whet serve: token from \(path); web UI at http://\(host):\(port)/ui/")
                case .option?, .environment?:
                    lines.append("whet serve: token from \(token?.1 == .option ? "--token" : "WHET_TOKEN"); web UI at http://\(host):\(port)/ui/")
                case nil:
                    lines.append("whet serve: no token (--no-auth, loopback only); web UI at http://\(host):\(port)/ui/")
                }
                lines.append("whet serve: runs in \(dbPath), at most \(maxRuns) at once"
                             + (resumed.isEmpty ? "" : "; resumed \(resumed.count) unfinished: \(resumed.joined(separator: ", "))"))
                // The last line, written at once: scripts wait for it on a pipe.
                lines.append("whet serve: \(id) on http://\(host):\(port)/v1")
                console.out(lines.joined(separator: "\n") + "\n")
            })
        try await app.runService()
        runs.shutdown()
    }

    /// The kinds of run `POST /v1/runs` takes: optimize runs use the meta-prompts of the nearest prompts/
    /// (as `whet optimize` does), so a resumed run finds the same ones.
    static func runKinds() -> [any RunKindHandler] {
        let prompts = PromptsDirectory.find(near: FileManager.default.currentDirectoryPath + "/serve")
            .map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        return [EvaluationRunKind(), OptimizationRunKind(promptsDirectory: prompts)]
    }

    /// `whet compare`'s default judge, judges/local.yaml in the working directory, when it is there.
    static func defaultJudgePath() -> String? {
        let path = URL(fileURLWithPath: "judges/local.yaml").standardizedFileURL.path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// The GGUF file's name for a local model, else the provider's model name.
    static func defaultID(spec: ModelSpec?, provider: ModelProvider) -> String {
        if case .local(let path?) = spec { return ((path as NSString).lastPathComponent as NSString).deletingPathExtension }
        if spec == nil || spec == .embeddedDefault { return (ModelLocator.defaultGGUFName as NSString).deletingPathExtension }
        return provider.modelName
    }
}
