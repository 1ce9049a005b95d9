import Foundation
import WhetStore

/// The response cache in the lineage store's `model_calls` table: one SQLite file per project holds
/// runs, candidates and the calls that scored them, so a rerun or a resumed run finds every answer it
/// already paid for. It uses the process's one `LineageStore`.
public final class SQLiteResponseCache: ResponseCache {
    public let store: LineageStore

    public init(store: LineageStore) {
        self.store = store
    }

    public func lookup(_ key: String) async throws -> CachedSample? {
        let record: ModelCallRecord?
        do {
            record = try store.cachedCall(key: key)
        } catch {
            throw ProviderError.cache(path: store.path, reason: "lookup failed: \(error.localizedDescription)")
        }
        guard let record else { return nil }
        // An entry written by another version that no longer decodes is a miss, not an error.
        return try? JSONDecoder().decode(CachedSample.self, from: Data(record.responseJSON.utf8))
    }

    public func store(_ key: ResponseCacheKey, model: String, sample: CachedSample, latency: Double) async throws {
        do {
            let payload = String(decoding: try JSONEncoder().encode(sample), as: UTF8.self)
            try store.storeCall(ModelCallRecord(key: key.hash, model: model, requestJSON: key.request, responseJSON: payload,
                                                promptTokens: sample.promptTokens,
                                                completionTokens: sample.completionTokens, latencyMs: latency * 1000))
        } catch {
            throw ProviderError.cache(path: store.path, reason: "store failed: \(error.localizedDescription)")
        }
    }

    public func count() async throws -> Int {
        try store.count("model_calls")
    }
}
