import Foundation
import Testing
import WhetCore
import WhetProviders
import WhetStore
@testable import WhetJudging

/// Judges on the real embedded model (models/ from scripts/setup).
struct LocalJudgeTests {
    static let repoRoot: URL = {
        var dir = URL(fileURLWithPath: #filePath)
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { dir.deleteLastPathComponent() }
        return dir
    }()

    static let provider: ManagedProvider = {
        try! ProviderFactory.makeProvider(spec: .embeddedDefault, cache: nil, cachePolicy: .disabled)
    }()

    static func judge(_ name: String) throws -> any PairwiseJudge {
        try JudgeFactory.make(try JudgeFile.load(repoRoot.appendingPathComponent("judges/\(name).yaml").path), provider: provider)
    }

    let item = JudgeItem(id: "x", instruction: "Name three primary colours.", outputA: "Red, yellow and blue.",
                         outputB: "The weather today is sunny with a light breeze from the west.")

    @Test func signalsJudgeIsSymmetricByConstruction() async throws {
        let judge = try Self.judge("local")
        let ab = try await judge.judge(item, first: item.outputA, second: item.outputB)
        let ba = try await judge.judge(item, first: item.outputB, second: item.outputA)
        let p = try #require(ab.probabilityFirst), q = try #require(ba.probabilityFirst)
        #expect(abs(p + q - 1) < 1e-9, "P(first) \(p) and swapped \(q) must sum to 1")
        #expect(ab.verdict == ba.verdict.swapped && ab.method == "signals")
        // The on-topic answer wins against an unrelated one.
        #expect(p > 0.5, "\(ab.reason ?? "")")
        let both = try await judge.judgeBothOrders(item)
        #expect(both.orders.count == 2 && !both.flipped && both.verdict == .a)
    }

    @Test func signalsAreKeptInTheResponseCacheAndReadBack() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("whet-signals-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = SQLiteResponseCache(store: try LineageStore(path: dir.appendingPathComponent("l.sqlite").path))
        let file = try JudgeFile.load(Self.repoRoot.appendingPathComponent("judges/local.yaml").path)
        func extractor(_ policy: CachePolicy) throws -> SignalExtractor {
            let provider = try ProviderFactory.makeProvider(spec: .embeddedDefault, cache: cache, cachePolicy: policy)
            return try #require(try JudgeFactory.make(file, provider: provider) as? SignalsJudge).extractor
        }
        let signals = try extractor(.readWrite)
        let computed = try await signals.signals(instruction: item.instruction, first: item.outputA, second: item.outputB, reference: nil)
        #expect(try await cache.count() == 1)
        let key = try signals.cacheKey(instruction: item.instruction, first: item.outputA, second: item.outputB, reference: nil)
        let entry = try #require(try await cache.lookup(key.hash))
        #expect(try JSONDecoder().decode(PairSignals.self, from: Data(entry.choice.text.utf8)) == computed)

        // A judge reads the entry instead of computing again: an entry changed by hand comes back changed.
        var changed = computed
        changed.verdict += 7
        let text = String(decoding: try JSONEncoder().encode(changed), as: UTF8.self)
        try await cache.store(key, model: "test", sample: CachedSample(choice: ProviderChoice(index: 0, text: text),
                                                                      promptTokens: 0, completionTokens: 0), latency: 0)
        #expect(try await signals.signals(instruction: item.instruction, first: item.outputA, second: item.outputB, reference: nil) == changed)
        // The other order is another entry; with the cache bypassed the signals are computed and stored again.
        _ = try await signals.signals(instruction: item.instruction, first: item.outputB, second: item.outputA, reference: nil)
        #expect(try await cache.count() == 2)
        let fresh = try await extractor(.bypass).signals(instruction: item.instruction, first: item.outputA, second: item.outputB,
                                                         reference: nil)
        #expect(fresh == computed)
        #expect(try await signals.signals(instruction: item.instruction, first: item.outputA, second: item.outputB, reference: nil) == computed)
    }

    @Test func logprobVerdictComesFromOneForwardPass() async throws {
        let judge = try Self.judge("pairwise")
        let v = try await judge.judge(item, first: item.outputA, second: item.outputB)
        #expect(v.method == "logprobs")
        let p = try #require(v.probabilityFirst)
        #expect(p > 0 && p < 1 && v.usage.promptTokens > 50)
    }

    @Test func signalsNeedTheInProcessModel() throws {
        let remote = try ProviderFactory.makeProvider(spec: try ModelSpec.parse("http://127.0.0.1:9/v1#x"), cache: nil, cachePolicy: .disabled)
        let file = try JudgeFile.load(Self.repoRoot.appendingPathComponent("judges/local.yaml").path)
        #expect(throws: JudgingError.self) { _ = try JudgeFactory.make(file, provider: remote) }
    }
}
