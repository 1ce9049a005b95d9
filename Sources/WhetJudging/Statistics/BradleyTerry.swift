import Foundation
import WhetCore

/// Bradley-Terry strengths of three or more prompts from their pairwise verdicts, with bootstrap
/// intervals (examples resampled with replacement, the fit repeated).
///
/// P(i beats j) = 1 / (1 + exp(-(s_i - s_j))). A tie counts as half a win for each side (as Chatbot
/// Arena does). Fitted by Hunter's MM iteration; one virtual tie between every two prompts keeps the
/// strengths finite when a prompt never wins. Strengths are centred on mean 0.
public struct BradleyTerry: Codable, Sendable, Equatable {
    public struct Match: Sendable, Equatable {
        public var first: Int
        public var second: Int
        /// 1 when `first` won, 0.5 for a tie, 0 when `second` won.
        public var outcome: Double
        /// Matches on one example are resampled together.
        public var example: Int

        public init(first: Int, second: Int, outcome: Double, example: Int) {
            self.first = first
            self.second = second
            self.outcome = outcome
            self.example = example
        }
    }

    public struct Strength: Codable, Sendable, Equatable {
        public var name: String
        public var strength: Double
        public var low: Double
        public var high: Double
        /// Mean P(beats each other prompt) under the fitted strengths.
        public var expectedWinRate: Double
    }

    public var strengths: [Strength]
    public var rounds: Int

    public init(names: [String], matches: [Match], rounds: Int = 200, seed: UInt64 = 13) {
        let fitted = Self.fit(count: names.count, matches: matches)
        var samples = Array(repeating: [Double](), count: names.count)
        let examples = Array(Set(matches.map(\.example))).sorted()
        let byExample = Dictionary(grouping: matches, by: \.example)
        var rng = SeededGenerator(seed: seed)
        if !examples.isEmpty {
            for _ in 0..<rounds {
                var resampled: [Match] = []
                for _ in examples.indices {
                    resampled += byExample[examples[Int(rng.next() % UInt64(examples.count))]] ?? []
                }
                for (i, s) in Self.fit(count: names.count, matches: resampled).enumerated() { samples[i].append(s) }
            }
        }
        strengths = names.indices.map { i in
            let others = names.indices.filter { $0 != i }
            let expected = others.isEmpty ? 0.5
                : others.reduce(0) { $0 + 1 / (1 + exp(-(fitted[i] - fitted[$1]))) } / Double(others.count)
            return Strength(name: names[i], strength: fitted[i],
                            low: samples[i].isEmpty ? fitted[i] : Statistics.percentile(samples[i], 0.025),
                            high: samples[i].isEmpty ? fitted[i] : Statistics.percentile(samples[i], 0.975),
                            expectedWinRate: expected)
        }
        self.rounds = examples.isEmpty ? 0 : rounds
    }

    /// Log-strengths (mean 0) by the MM iteration.
    public static func fit(count: Int, matches: [Match], iterations: Int = 500) -> [Double] {
        guard count > 1 else { return Array(repeating: 0, count: count) }
        var wins = Array(repeating: 0.0, count: count)
        var games = Array(repeating: Array(repeating: 0.0, count: count), count: count)
        for i in 0..<count {
            for j in 0..<count where j != i {
                wins[i] += 0.25
                games[i][j] += 0.5
            }
        }
        for m in matches where m.first != m.second {
            wins[m.first] += m.outcome
            wins[m.second] += 1 - m.outcome
            games[m.first][m.second] += 1
            games[m.second][m.first] += 1
        }
        var p = Array(repeating: 1.0, count: count)
        for _ in 0..<iterations {
            var next = p
            for i in 0..<count {
                var denominator = 0.0
                for j in 0..<count where j != i && games[i][j] > 0 { denominator += games[i][j] / (p[i] + p[j]) }
                next[i] = wins[i] / denominator
            }
            let meanLog = next.reduce(0) { $0 + log($1) } / Double(count)
            next = next.map { $0 / exp(meanLog) }
            let change = zip(next, p).map { abs(log($0) - log($1)) }.max() ?? 0
            p = next
            if change < 1e-10 { break }
        }
        return p.map { log($0) }
    }
}
