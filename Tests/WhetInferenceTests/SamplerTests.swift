import Foundation
import Testing
@testable import WhetInference

/// Sampling without top-k no longer sorts the vocabulary; these check it still draws
/// from the right distribution and keeps to the nucleus.
@Suite struct SamplerTests {
    static let logits: [Float] = [5, 4, 3] + [Float](repeating: 0, count: 997)

    static func draws(_ options: (Int) -> SamplingOptions, count: Int) -> [Int32: Int] {
        var seen: [Int32: Int] = [:]
        for i in 0..<count {
            var sampler = Sampler(options(i))
            let id = logits.withUnsafeBufferPointer { sampler.sample($0.baseAddress!, count: logits.count) }
            seen[id, default: 0] += 1
        }
        return seen
    }

    @Test func fullDistributionFrequenciesMatchSoftmax() {
        let seen = Self.draws({ SamplingOptions(temperature: 1, seed: UInt64($0)) }, count: 4000)
        let total = exp(5.0) + exp(4.0) + exp(3.0) + 997
        for (id, logit) in [(Int32(0), 5.0), (1, 4.0), (2, 3.0)] {
            let expected = 4000 * exp(logit) / total
            let sd = (expected * (1 - exp(logit) / total)).squareRoot()
            #expect(abs(Double(seen[id, default: 0]) - expected) < 5 * sd, "token \(id)")
        }
        // The 997 flat tokens share ~82% of the mass.
        #expect(seen.keys.filter { $0 >= 3 }.count > 500)
    }

    @Test func nucleusKeepsOnlyTheTopTokens() {
        // Sorted probabilities: 0.1217, 0.0448, 0.0165, then 997 x 0.00082; topP 0.2
        // needs 0.1217 + 0.0448 + 0.0165 = 0.183 < 0.2, then ~21 flat tokens.
        let seen = Self.draws({ SamplingOptions(temperature: 1, topP: 0.2, seed: UInt64($0)) }, count: 3000)
        let flat = seen.keys.filter { $0 >= 3 }
        #expect(seen[0, default: 0] > seen[1, default: 0] && seen[1, default: 0] > seen[2, default: 0])
        #expect(!flat.isEmpty && flat.count <= 25)
        // Among equal logits the nucleus takes the lowest ids first.
        #expect(flat.allSatisfy { $0 < 3 + 25 })
    }

    @Test func sameSeedSameToken() {
        let a = Self.draws({ _ in SamplingOptions(temperature: 0.8, topP: 0.95, seed: 42) }, count: 5)
        #expect(a.count == 1)
    }

    /// The vectorised log-sum-exp against libm's, in double, on rows shaped like logits:
    /// wide spreads (values far below the maximum flush to 0), odd lengths (a scalar tail),
    /// and a row where one value dominates.
    @Test(arguments: [1, 7, 8, 49_152, 49_155])
    func logNormalizerMatchesLibm(count: Int) {
        var rng = SystemRandomNumberGenerator()
        for spread in [1.0, 30.0, 200.0] {
            var row = (0..<count).map { _ in Float(Double.random(in: -spread...spread, using: &rng)) }
            if count > 3 { row[count / 2] = Float(spread) + 50 }
            let reference: Double = {
                let m = Double(row.max()!)
                return m + log(row.reduce(0.0) { $0 + exp(Double($1) - m) })
            }()
            let fast = row.withUnsafeBufferPointer { LogSoftmax.logNormalizer($0.baseAddress!, count: count) }
            #expect(abs(fast - reference) < 1e-6, "count \(count), spread \(spread): \(fast) vs \(reference)")
        }
    }
}
