import ArgumentParser
import Foundation
import WhetCore
import WhetProviders
import WhetStore

/// Where the lineage store lives: `--db`, else `WHET_DB`, else `.whet/lineage.sqlite`
/// in the working directory (project-local, like `.dspy_cache`).
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The lineage database (default: $WHET_DB or .whet/lineage.sqlite).")
    var db: String?

    var path: String {
        if let db { return db }
        if let env = ProcessInfo.processInfo.environment["WHET_DB"], !env.isEmpty { return env }
        return ".whet/lineage.sqlite"
    }

    /// The process's one store for this file (the response cache shares it).
    func open() throws -> LineageStore { try LineageStore.open(path) }
}

struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON.")
    var json = false
}

enum JSONOutput {
    /// Pretty-printed with sorted keys; `compact` for bulky output such as vectors.
    static func print<T: Encodable>(_ value: T, compact: Bool = false) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = compact ? [.sortedKeys, .withoutEscapingSlashes] : [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        enc.dateEncodingStrategy = .iso8601
        WhetCLI.print(String(decoding: try enc.encode(value), as: UTF8.self))
    }
}

/// `--model` and `--config`: which model runs the prompts, in the one model-spec grammar that task files
/// use too (docs/formats.md).
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The model: default, a .gguf path, openai:NAME, ollama:NAME, URL#NAME[?api_key_env=VAR], or a name from --config.",
        valueName: "spec"))
    var model: String?

    @Option(name: .long, help: "Model configuration YAML: endpoints, prices, a budget (see examples/endpoints.yaml).")
    var config: String?

    func configuration() throws -> ProvidersConfiguration {
        try config.map { try ProvidersConfiguration.load(path: $0) } ?? ProvidersConfiguration()
    }

    /// `--model` parsed (paths relative to the working directory), else `fallback`.
    func spec(default fallback: ModelSpec?) throws -> ModelSpec? {
        try model.map { try ModelSpec.parse($0, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) }
            ?? fallback
    }

    /// The managed provider (cache in `store`, ledger enforcing the configuration's budget, overridden
    /// by `budget`'s limits).
    func provider(default fallback: ModelSpec?, budget: Budget? = nil, store: LineageStore,
                  cachePolicy: CachePolicy = .readWrite) throws -> ManagedProvider {
        let configuration = try configuration()
        return try ProviderFactory.makeProvider(
            spec: try spec(default: fallback), configuration: configuration, cache: SQLiteResponseCache(store: store),
            cachePolicy: cachePolicy,
            ledger: UsageLedger(budget: budget.map { configuration.budget.overridden(by: $0) } ?? configuration.budget))
    }
}

extension Split: ExpressibleByArgument {}
