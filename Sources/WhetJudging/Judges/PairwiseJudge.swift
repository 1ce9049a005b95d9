import Foundation
import WhetCore
import WhetEmbeddings
import WhetProviders
import WhetStore

/// A judge of two outputs shown in a given order. Judges never see which prompt produced an output.
public protocol PairwiseJudge: Sendable {
    var name: String { get }
    /// What stored judgments are keyed on: the judge's definition and its model.
    var identity: String { get }
    /// Judge both orders (false only when the judge file says `both_orders: false`).
    var bothOrders: Bool { get }
    /// Judging (B, A) is by construction the mirror of (A, B), so one call covers both orders.
    var orderInvariant: Bool { get }
    func judge(_ item: JudgeItem, first: String, second: String) async throws -> PositionalVerdict
}

extension PairwiseJudge {
    /// Both orders (or one, if the judge says so), combined. Identical outputs are a tie with no call.
    public func judgeBothOrders(_ item: JudgeItem) async throws -> PairJudgment {
        if item.outputA.trimmingCharacters(in: .whitespacesAndNewlines) == item.outputB.trimmingCharacters(in: .whitespacesAndNewlines) {
            return .identicalOutputs()
        }
        let ab = try await judge(item, first: item.outputA, second: item.outputB)
        var orders = [OrderJudgment(order: .ab, positional: ab)]
        var (calls, usage) = (1, ab.usage)
        if bothOrders {
            if orderInvariant {
                var mirrored = ab
                mirrored.verdict = ab.verdict.swapped
                mirrored.probabilityFirst = ab.probabilityFirst.map { 1 - $0 }
                orders.append(OrderJudgment(order: .ba, positional: mirrored))
            } else {
                let ba = try await judge(item, first: item.outputB, second: item.outputA)
                orders.append(OrderJudgment(order: .ba, positional: ba))
                (calls, usage) = (2, usage + ba.usage)
            }
        }
        return PairJudgment(orders: orders, calls: calls, usage: usage)
    }
}

/// Builds the judge a judge file describes, on the given provider.
public enum JudgeFactory {
    public static func make(_ file: JudgeFile, provider: any ModelProvider, embedder: SentenceEmbedder? = nil) throws -> any PairwiseJudge {
        let text = (try? String(contentsOfFile: file.path, encoding: .utf8)) ?? file.name
        let identity = "\(file.name)#\(SHA256.hex(Data(text.utf8)).prefix(16))@\(provider.cacheIdentity)"
        switch file.verdict {
        case .signals(let weights):
            let managed = provider as? ManagedProvider
            guard let scorer = EngineScorer.of(provider) else {
                throw JudgingError.signalsNeedLocalModel(judge: file.path, model: provider.modelName)
            }
            let minilm: SentenceEmbedder
            if let embedder { minilm = embedder } else {
                do {
                    SentenceEmbedder.setBLASThreads(1)
                    minilm = try SentenceEmbedder(directory: try ModelLocator.defaultEmbeddingDirectory())
                } catch {
                    throw JudgingError.missingEmbeddings(reason: error.localizedDescription)
                }
            }
            return SignalsJudge(name: file.name, identity: identity, weights: weights, bothOrders: file.bothOrders,
                                extractor: SignalExtractor(scorer: scorer, embedder: minilm, clipTokens: weights.clipTokens,
                                                           cache: managed?.cachePolicy == .disabled ? nil : managed?.cache,
                                                           readsCache: managed?.cachePolicy == .readWrite))
        case .choice(let labels, let tieMargin):
            guard file.mode == .pairwise else { throw JudgingError.notPairwise(judge: file.path) }
            let prompt = PromptJudge(file: file, labels: labels, tieMargin: tieMargin, provider: provider, identity: identity)
            return file.rubric.isEmpty ? prompt : RubricJudge(prompt: prompt, rubric: file.rubric, tieMargin: tieMargin)
        case .score(let pattern, let min, let max):
            return ScoreJudge(file: file, pattern: pattern, range: min...max, provider: provider, identity: identity)
        }
    }
}
