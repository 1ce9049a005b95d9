import Foundation
import WhetStore

/// The response cache in the lineage store's own `model_calls` table (one SQLite
/// file per project: runs, candidates and the calls that scored them), so a rerun
/// or a resumed run finds every answer it already paid for.
public final class SQLiteResponseCache: ResponseCache {
    public let path: String
    private let store: LineageStore

    public init(path: String) throws {
        self.path = path
        do {
            store = try LineageStore(path: path)
        } catch {
            throw ProviderError.cache(path: path, reason: "cannot open: \(error.localizedDescription)")
        }
    }

    public func lookup(_ key: String) async throws -> CachedSample? {
        let record: ModelCallRecord?
        do {
            record = try store.cachedCall(key: key)
        } catch {
            throw ProviderError.cache(path: path, reason: "lookup failed: \(error)")
        }
        guard let record else { return nil }
        // An entry written by another version that no longer decodes is a miss, not an error.
        return try? JSONDecoder().decode(CachedSample.self, from: Data(record.responseJSON.utf8))
    }

    public func store(_ key: String, model: String, sample: CachedSample) async throws {
        do {
            let payload = String(decoding: try JSONEncoder().encode(sample), as: UTF8.self)
            // The request itself is not kept: the key is its SHA-256, and prompts may be large.
            try store.storeCall(ModelCallRecord(key: key, model: model, requestJSON: "", responseJSON: payload,
                                                promptTokens: sample.promptTokens,
                                                completionTokens: sample.completionTokens, latencyMs: 0))
        } catch {
            throw ProviderError.cache(path: path, reason: "store failed: \(error)")
        }
    }

    public func count() async throws -> Int {
        try store.count("model_calls")
    }
}
