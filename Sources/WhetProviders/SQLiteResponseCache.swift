import Foundation
import GRDB

/// The response cache in the run's SQLite file, in a table of its own (`provider_cache`), so it works
/// beside the lineage store without depending on its schema.
public final class SQLiteResponseCache: ResponseCache {
    public let path: String
    private let database: DatabaseQueue

    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        // The lineage store may hold the file at the same moment: wait for its locks rather than fail.
        configuration.busyMode = .timeout(10)
        do {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            database = try DatabaseQueue(path: path, configuration: configuration)
            try database.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS provider_cache (
                        key TEXT PRIMARY KEY NOT NULL,
                        model TEXT NOT NULL,
                        payload BLOB NOT NULL,
                        created_at REAL NOT NULL
                    )
                    """)
            }
        } catch {
            throw ProviderError.cache(path: path, reason: "cannot open: \(error)")
        }
    }

    public func lookup(_ key: String) async throws -> CachedSample? {
        let payload: Data?
        do {
            payload = try await database.read { db in
                try Data.fetchOne(db, sql: "SELECT payload FROM provider_cache WHERE key = ?", arguments: [key])
            }
        } catch {
            throw ProviderError.cache(path: path, reason: "lookup failed: \(error)")
        }
        guard let payload else { return nil }
        // An entry written by another version that no longer decodes is a miss, not an error.
        return try? JSONDecoder().decode(CachedSample.self, from: payload)
    }

    public func store(_ key: String, model: String, sample: CachedSample) async throws {
        do {
            let payload = try JSONEncoder().encode(sample)
            try await database.write { db in
                try db.execute(sql: """
                    INSERT OR REPLACE INTO provider_cache (key, model, payload, created_at) VALUES (?, ?, ?, ?)
                    """, arguments: [key, model, payload, Date().timeIntervalSince1970])
            }
        } catch {
            throw ProviderError.cache(path: path, reason: "store failed: \(error)")
        }
    }

    public func count() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM provider_cache") ?? 0 }
    }
}
