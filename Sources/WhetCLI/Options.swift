import ArgumentParser
import Foundation
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

    func open() throws -> LineageStore { try LineageStore(path: path) }
}

struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON.")
    var json = false
}

enum JSONOutput {
    static func print<T: Encodable>(_ value: T) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        enc.dateEncodingStrategy = .iso8601
        Swift.print(String(decoding: try enc.encode(value), as: UTF8.self))
    }
}
