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
