import Foundation

/// EASE-style exemplar selection (Wu et al., 2024): many random *ordered* exemplar sets,
/// each embedded as the text it adds to the prompt; a Gaussian-process surrogate over those
/// embeddings (RBF on cosine distance) picks the next set to try by its upper confidence
/// bound, so a few evaluations steer toward the sets that score well.
public struct ExemplarBandit: Sendable {
    public let features: [[Float]]
    public private(set) var observed: [(arm: Int, score: Double)] = []
    /// Cosine distance over which scores stay alike.
    public let lengthScale: Double
    /// Prior variance of a set's score around the mean of those tried.
    public let signalVariance: Double
    /// Variance of one minibatch score around the set's true score.
    public let noiseVariance: Double
    public let beta: Double

    public init(features: [[Float]], lengthScale: Double = 0.15, signalVariance: Double = 0.01,
                noiseVariance: Double = 0.005, beta: Double = 2) {
        self.features = features
        self.lengthScale = lengthScale
        self.signalVariance = signalVariance
        self.noiseVariance = noiseVariance
        self.beta = beta
    }

    public mutating func observe(arm: Int, score: Double) { observed.append((arm, score)) }

    func kernel(_ a: Int, _ b: Int) -> Double {
        var dot: Float = 0
        for i in features[a].indices { dot += features[a][i] * features[b][i] }
        return signalVariance * exp(-(1 - Double(dot)) / lengthScale)
    }

    /// The untried arm with the highest upper confidence bound (the lowest index on a tie).
    public func next() -> Int? {
        let tried = Set(observed.map(\.arm))
        let untried = features.indices.filter { !tried.contains($0) }
        guard !untried.isEmpty else { return nil }
        guard !observed.isEmpty else { return untried[0] }
        let n = observed.count
        let prior = observed.reduce(0) { $0 + $1.score } / Double(n)
        var k = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n { for j in 0..<n { k[i][j] = kernel(observed[i].arm, observed[j].arm) + (i == j ? noiseVariance : 0) } }
        guard let chol = Self.cholesky(k) else { return untried[0] }
        let alpha = Self.solve(chol, observed.map { $0.score - prior })
        var best: (arm: Int, ucb: Double)?
        for arm in untried {
            let ks = observed.map { kernel(arm, $0.arm) }
            let mean = prior + zip(ks, alpha).reduce(0) { $0 + $1.0 * $1.1 }
            let v = Self.forward(chol, ks)
            let variance = max(0, signalVariance - v.reduce(0) { $0 + $1 * $1 })
            let ucb = mean + beta * sqrt(variance)
            if best == nil || ucb > best!.ucb { best = (arm, ucb) }
        }
        return best?.arm
    }

    static func cholesky(_ a: [[Double]]) -> [[Double]]? {
        let n = a.count
        var l = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i][j]
                for k in 0..<j { sum -= l[i][k] * l[j][k] }
                if i == j {
                    guard sum > 0 else { return nil }
                    l[i][j] = sqrt(sum)
                } else {
                    l[i][j] = sum / l[j][j]
                }
            }
        }
        return l
    }

    /// L y = b.
    static func forward(_ l: [[Double]], _ b: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: b.count)
        for i in b.indices {
            var sum = b[i]
            for k in 0..<i { sum -= l[i][k] * y[k] }
            y[i] = sum / l[i][i]
        }
        return y
    }

    /// (L Lᵀ) x = b.
    static func solve(_ l: [[Double]], _ b: [Double]) -> [Double] {
        let y = forward(l, b)
        var x = [Double](repeating: 0, count: b.count)
        for i in b.indices.reversed() {
            var sum = y[i]
            for k in (i + 1)..<b.count { sum -= l[k][i] * x[k] }
            x[i] = sum / l[i][i]
        }
        return x
    }
}
