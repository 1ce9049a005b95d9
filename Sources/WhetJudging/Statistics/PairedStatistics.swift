import Foundation
import WhetStore
import WhetCore

/// Wins, ties and losses of A against B, and what they support: the win rate (ties count half)
/// with Wilson's 95% interval, and the two-sided sign test (ties dropped) against "no difference".
public struct WinRate: Codable, Sendable, Equatable {
    public var wins: Int
    public var ties: Int
    public var losses: Int
    public var rate: Double
    public var low: Double
    public var high: Double
    public var signTestP: Double

    public init(wins: Int, ties: Int, losses: Int) {
        self.wins = wins
        self.ties = ties
        self.losses = losses
        let n = wins + ties + losses
        rate = n == 0 ? 0.5 : (Double(wins) + 0.5 * Double(ties)) / Double(n)
        (low, high) = Statistics.wilson(rate: rate, n: n)
        signTestP = Statistics.binomialTwoSided(min(wins, losses), wins + losses)
    }

    public init(_ verdicts: [PairVerdict]) {
        self.init(wins: verdicts.filter { $0 == .a }.count, ties: verdicts.filter { $0 == .tie }.count,
                  losses: verdicts.filter { $0 == .b }.count)
    }

    public var count: Int { wins + ties + losses }
    /// The same tally from B's side.
    public var reversed: WinRate { WinRate(wins: losses, ties: ties, losses: wins) }
}

/// A paired test on per-example metric scores of A and B (labelled tasks): McNemar's exact test
/// when every score is 0 or 1, else a paired bootstrap of the mean difference.
public struct PairedScoreTest: Codable, Sendable, Equatable {
    public enum Method: String, Codable, Sendable { case mcnemar, bootstrap }
    public var method: Method
    public var meanA: Double
    public var meanB: Double
    /// mean(A - B) with its 95% interval (bootstrap percentiles; for McNemar, Wilson's on the
    /// discordant pairs mapped to a difference).
    public var difference: Double
    public var low: Double
    public var high: Double
    public var pValue: Double
    /// McNemar: examples only A got right, only B got right.
    public var onlyA: Int?
    public var onlyB: Int?

    public static func test(scoresA: [Double], scoresB: [Double], rounds: Int = 2000, seed: UInt64 = 13) -> PairedScoreTest? {
        guard scoresA.count == scoresB.count, !scoresA.isEmpty else { return nil }
        let n = Double(scoresA.count)
        let meanA = scoresA.reduce(0, +) / n, meanB = scoresB.reduce(0, +) / n
        let diffs = zip(scoresA, scoresB).map { $0 - $1 }
        let difference = diffs.reduce(0, +) / n
        if (scoresA + scoresB).allSatisfy({ $0 == 0 || $0 == 1 }) {
            let b = zip(scoresA, scoresB).filter { $0 == 1 && $1 == 0 }.count
            let c = zip(scoresA, scoresB).filter { $0 == 0 && $1 == 1 }.count
            // Interval of the difference from the bootstrap too: McNemar itself gives only the p-value.
            let (low, high) = Statistics.bootstrapMeanInterval(diffs, rounds: rounds, seed: seed)
            return PairedScoreTest(method: .mcnemar, meanA: meanA, meanB: meanB, difference: difference, low: low, high: high,
                                   pValue: Statistics.binomialTwoSided(min(b, c), b + c), onlyA: b, onlyB: c)
        }
        let (low, high) = Statistics.bootstrapMeanInterval(diffs, rounds: rounds, seed: seed)
        let p = Statistics.bootstrapTwoSidedP(diffs, rounds: rounds, seed: seed)
        return PairedScoreTest(method: .bootstrap, meanA: meanA, meanB: meanB, difference: difference, low: low, high: high,
                               pValue: p, onlyA: nil, onlyB: nil)
    }
}

public enum Statistics {
    public static let z95 = 1.959964

    /// Wilson's score interval for a proportion `rate` of `n` trials.
    public static func wilson(rate: Double, n: Int, z: Double = z95) -> (Double, Double) {
        guard n > 0 else { return (0, 1) }
        let nd = Double(n)
        let denom = 1 + z * z / nd
        let centre = (rate + z * z / (2 * nd)) / denom
        let half = z * sqrt(max(0, rate * (1 - rate) / nd + z * z / (4 * nd * nd))) / denom
        return (max(0, centre - half), min(1, centre + half))
    }

    /// Two-sided exact binomial p-value of seeing k or fewer (or as extreme) of n under p = 1/2:
    /// min(1, 2 P(X <= k)) with k the smaller count. 1 when n = 0.
    public static func binomialTwoSided(_ k: Int, _ n: Int) -> Double {
        guard n > 0 else { return 1 }
        let k = min(k, n - k)
        var logTerms: [Double] = []
        for i in 0...k { logTerms.append(logChoose(n, i) - Double(n) * log(2)) }
        let peak = logTerms.max()!
        let tail = exp(peak) * logTerms.reduce(0) { $0 + exp($1 - peak) }
        return min(1, 2 * tail)
    }

    static func logChoose(_ n: Int, _ k: Int) -> Double {
        lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
    }

    /// 2.5% and 97.5% percentiles of the bootstrap distribution of the mean.
    public static func bootstrapMeanInterval(_ values: [Double], rounds: Int, seed: UInt64) -> (Double, Double) {
        let means = bootstrapMeans(values, rounds: rounds, seed: seed)
        return (percentile(means, 0.025), percentile(means, 0.975))
    }

    /// Two-sided p-value of mean = 0: twice the smaller share of bootstrap means on either side of 0.
    public static func bootstrapTwoSidedP(_ values: [Double], rounds: Int, seed: UInt64) -> Double {
        let means = bootstrapMeans(values, rounds: rounds, seed: seed)
        let below = Double(means.filter { $0 <= 0 }.count) / Double(means.count)
        let above = Double(means.filter { $0 >= 0 }.count) / Double(means.count)
        return min(1, 2 * min(below, above))
    }

    static func bootstrapMeans(_ values: [Double], rounds: Int, seed: UInt64) -> [Double] {
        guard !values.isEmpty else { return [0] }
        var rng = SeededGenerator(seed: seed)
        return (0..<max(1, rounds)).map { _ in
            var sum = 0.0
            for _ in values.indices { sum += values[Int(rng.next() % UInt64(values.count))] }
            return sum / Double(values.count)
        }
    }

    /// Linear-interpolated percentile (q in [0, 1]) of `values`.
    public static func percentile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        guard sorted.count > 1 else { return sorted.first ?? 0 }
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down)), upper = Int(position.rounded(.up))
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }
}
