import Foundation
import Testing
import WhetStore
@testable import WhetJudging

/// The aggregation math against values computed by hand.
struct StatisticsTests {
    @Test func winRateCountsTiesHalfWithWilsonInterval() {
        // 6 wins, 2 ties, 2 losses: (6 + 1) / 10 = 0.7. Wilson, z = 1.959964:
        // centre (0.7 + z^2/20) / (1 + z^2/10) = 0.644493, half-width 0.247715.
        let w = WinRate(wins: 6, ties: 2, losses: 2)
        #expect(w.rate == 0.7)
        #expect(abs(w.low - 0.396778) < 1e-5 && abs(w.high - 0.892209) < 1e-5)
        // Sign test drops ties: 6 vs 2 of 8, P(X <= 2) = (1 + 8 + 28) / 256; two-sided doubles it.
        #expect(abs(w.signTestP - 2 * 37.0 / 256) < 1e-12)
        #expect(w.reversed.rate == 0.3 && w.reversed.wins == 2)
    }

    @Test func signTestAndEdgeCases() {
        // 8 vs 2: P(X <= 2 | n = 10) = 56/1024.
        #expect(abs(Statistics.binomialTwoSided(2, 10) - 2 * 56.0 / 1024) < 1e-12)
        #expect(Statistics.binomialTwoSided(5, 10) == 1)
        #expect(Statistics.binomialTwoSided(0, 0) == 1)
        #expect(abs(Statistics.binomialTwoSided(0, 5) - 2.0 / 32) < 1e-12)
        let allTies = WinRate(wins: 0, ties: 4, losses: 0)
        #expect(allTies.rate == 0.5 && allTies.signTestP == 1)
        let perfect = Statistics.wilson(rate: 1, n: 5)
        #expect(abs(perfect.0 - 0.565518) < 1e-5 && perfect.1 == 1)
    }

    @Test func mcnemarOnBinaryScores() throws {
        // A alone right on 5 examples, B alone right on none: exact p = 2 * (1/2)^5.
        let a: [Double] = [1, 1, 1, 1, 1, 0, 1, 0]
        let b: [Double] = [0, 0, 0, 0, 0, 0, 1, 0]
        let t = try #require(PairedScoreTest.test(scoresA: a, scoresB: b))
        #expect(t.method == .mcnemar && t.onlyA == 5 && t.onlyB == 0)
        #expect(abs(t.pValue - 0.0625) < 1e-12)
        #expect(abs(t.difference - 5.0 / 8) < 1e-12 && t.meanA == 6.0 / 8 && t.meanB == 1.0 / 8)
        #expect(t.low <= t.difference && t.difference <= t.high)
    }

    @Test func pairedBootstrapOnContinuousScores() throws {
        let a: [Double] = [0.9, 0.8, 0.85, 0.7, 0.95, 0.6, 0.75, 0.8]
        let b = a.map { $0 - 0.2 }
        let t = try #require(PairedScoreTest.test(scoresA: a, scoresB: b))
        #expect(t.method == .bootstrap)
        // Every difference is 0.2: every bootstrap mean is 0.2, so the interval is exactly [0.2, 0.2].
        #expect(abs(t.difference - 0.2) < 1e-12 && abs(t.low - 0.2) < 1e-12 && abs(t.high - 0.2) < 1e-12)
        #expect(t.pValue == 0)
        let same = try #require(PairedScoreTest.test(scoresA: a, scoresB: a))
        #expect(same.pValue == 1 && same.difference == 0)
        #expect(PairedScoreTest.test(scoresA: [1], scoresB: []) == nil)
    }

    @Test func percentileInterpolates() {
        #expect(Statistics.percentile([1, 2, 3, 4], 0.5) == 2.5)
        #expect(Statistics.percentile([4, 1, 3, 2], 0) == 1 && Statistics.percentile([4, 1, 3, 2], 1) == 4)
        #expect(Statistics.percentile([7], 0.3) == 7)
    }

    @Test func bradleyTerryMatchesTheClosedFormForTwo() {
        // A beats B 3 times, B beats A once; the prior adds one virtual tie (half a game, a quarter win
        // each): wins 3.25 vs 1.25, so exp(s_A - s_B) = 3.25 / 1.25 = 2.6 and the strengths are +-ln(2.6)/2.
        let matches = [1.0, 1, 1, 0].enumerated().map { BradleyTerry.Match(first: 0, second: 1, outcome: $1, example: $0) }
        let s = BradleyTerry.fit(count: 2, matches: matches)
        #expect(abs(s[0] - log(2.6) / 2) < 1e-9 && abs(s[1] + log(2.6) / 2) < 1e-9)
    }

    @Test func bradleyTerryOrdersThreePromptsAndBootstraps() {
        // C beats everyone, B beats A, over 10 examples; ties between A and B on two of them.
        var matches: [BradleyTerry.Match] = []
        for e in 0..<10 {
            matches.append(.init(first: 2, second: 0, outcome: 1, example: e))
            matches.append(.init(first: 2, second: 1, outcome: e < 8 ? 1 : 0, example: e))
            matches.append(.init(first: 1, second: 0, outcome: e < 2 ? 0.5 : 1, example: e))
        }
        let bt = BradleyTerry(names: ["A", "B", "C"], matches: matches, rounds: 100, seed: 3)
        let s = bt.strengths
        #expect(s[2].strength > s[1].strength && s[1].strength > s[0].strength)
        #expect(abs(s.map(\.strength).reduce(0, +)) < 1e-9)
        for x in s { #expect(x.low <= x.strength + 1e-9 && x.strength <= x.high + 1e-9) }
        #expect(s[2].expectedWinRate > 0.5 && s[0].expectedWinRate < 0.5)
        // Same seed, same intervals.
        #expect(BradleyTerry(names: ["A", "B", "C"], matches: matches, rounds: 100, seed: 3) == bt)
    }
}
