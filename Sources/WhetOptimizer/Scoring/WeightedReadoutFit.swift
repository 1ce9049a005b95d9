import Foundation

/// Fits a weighted verbalizer (a `Readout` with `weights`): the answer-position words whose
/// log-probabilities best separate the labels (one-way ANOVA F over the training rows), and
/// an L2-regularised multinomial logistic regression on them. A small model's label words
/// alone carry little of what it knows; words like "Enjoy" or "Lack" carry the rest.
public struct WeightedReadoutFit: Sendable {
    public let labels: [String]
    /// How many words the readout reads.
    public let featureCount: Int
    /// Inverse regularisation strength on standardised features (scikit-learn's `C`).
    public let inverseRegularisation: Double
    public let folds: Int

    public init(labels: [String], featureCount: Int = 64, inverseRegularisation: Double = 0.03, folds: Int = 10) {
        self.labels = labels
        self.featureCount = featureCount
        self.inverseRegularisation = inverseRegularisation
        self.folds = folds
    }

    /// The readout fitted on `rows` (label indices in `truth`), reading `candidates` words.
    public func fit(_ rows: [WordScores], truth: [Int], candidates: [String]) -> Readout {
        fit(matrix(rows, candidates), truth: truth, candidates: candidates, rows: Array(rows.indices))
    }

    /// Each row's predicted label index from a readout chosen and fitted without it (`folds`
    /// folds by position), so its accuracy can be compared with another prompt's honestly.
    public func crossFitted(_ rows: [WordScores], truth: [Int], candidates: [String]) -> [Int] {
        let x = matrix(rows, candidates)
        var predicted = [Int](repeating: -1, count: rows.count)
        let k = max(2, min(folds, rows.count))
        for fold in 0..<k {
            let train = rows.indices.filter { $0 % k != fold }
            let held = rows.indices.filter { $0 % k == fold }
            guard !held.isEmpty else { continue }
            let readout = fit(x, truth: truth, candidates: candidates, rows: train)
            for i in held { predicted[i] = labels.firstIndex(of: readout.decide(rows[i])) ?? -1 }
        }
        return predicted
    }

    /// The readout fitted on `rows` of the candidate matrix `x`.
    func fit(_ x: [[Double]], truth: [Int], candidates: [String], rows: [Int]) -> Readout {
        let columns = select(x, truth: truth, rows: rows)
        let model = LogisticRegression.fit(rows.map { i in columns.map { x[i][$0] } }, rows.map { truth[$0] },
                                           classes: labels.count, c: inverseRegularisation)
        let features = columns.map { candidates[$0] }
        var weights: [String: [String: Double]] = [:]
        var bias: [String: Double] = [:]
        for (k, label) in labels.enumerated() {
            weights[label] = Dictionary(uniqueKeysWithValues: zip(features, model.weights[k]))
            bias[label] = model.intercepts[k]
        }
        return Readout(labels: labels, words: Dictionary(uniqueKeysWithValues: labels.map { ($0, [$0]) }),
                       calibration: .fitted, bias: bias, weights: weights)
    }

    /// The `featureCount` candidates with the largest F statistic; ties keep the earlier word.
    func select(_ rows: [WordScores], truth: [Int], candidates: [String]) -> [String] {
        select(matrix(rows, candidates), truth: truth, rows: Array(rows.indices)).map { candidates[$0] }
    }

    /// Column indices of `x` with the largest F statistic over `rows`; ties keep the earlier column.
    func select(_ x: [[Double]], truth: [Int], rows: [Int]) -> [Int] {
        let k = labels.count
        var scored: [(column: Int, f: Double)] = []
        for j in 0..<(x.first?.count ?? 0) {
            var sums = [Double](repeating: 0, count: k), counts = [Double](repeating: 0, count: k)
            var total = 0.0
            for i in rows where truth[i] >= 0 && truth[i] < k {
                sums[truth[i]] += x[i][j]
                counts[truth[i]] += 1
                total += x[i][j]
            }
            let n = counts.reduce(0, +)
            let groups = counts.filter { $0 > 0 }.count
            guard n > Double(groups), groups > 1 else { continue }
            let mean = total / n
            var between = 0.0, within = 0.0
            for c in 0..<k where counts[c] > 0 { between += counts[c] * pow(sums[c] / counts[c] - mean, 2) }
            for i in rows where truth[i] >= 0 && truth[i] < k {
                within += pow(x[i][j] - sums[truth[i]] / counts[truth[i]], 2)
            }
            let f = (between / Double(groups - 1)) / max(within / (n - Double(groups)), 1e-12)
            scored.append((j, f))
        }
        return scored.sorted { $0.f != $1.f ? $0.f > $1.f : $0.column < $1.column }.prefix(featureCount).map(\.column)
    }

    func matrix(_ rows: [WordScores], _ words: [String]) -> [[Double]] {
        rows.map { row in words.map { Readout.featureValue($0, in: row) } }
    }
}

/// Multinomial logistic regression: minimises C·Σ cross-entropy + ½‖W‖² on standardised
/// features by accelerated gradient descent (deterministic), then maps the weights back to
/// the raw features. The intercepts are not penalised.
enum LogisticRegression {
    struct Model {
        var weights: [[Double]]
        var intercepts: [Double]
    }

    static func fit(_ x: [[Double]], _ y: [Int], classes k: Int, c: Double, iterations: Int = 3000) -> Model {
        let n = x.count, d = x.first?.count ?? 0
        guard n > 0, d > 0, k > 1 else {
            return Model(weights: Array(repeating: Array(repeating: 0, count: d), count: k), intercepts: Array(repeating: 0, count: k))
        }
        var mu = [Double](repeating: 0, count: d), sd = [Double](repeating: 0, count: d)
        for row in x { for j in 0..<d { mu[j] += row[j] / Double(n) } }
        for row in x { for j in 0..<d { sd[j] += pow(row[j] - mu[j], 2) / Double(n) } }
        sd = sd.map { max(sqrt($0), 1e-6) }
        // Standardised rows, flat, with a trailing 1 for the intercept.
        let width = d + 1
        var z = [Double](repeating: 1, count: n * width)
        for i in 0..<n { for j in 0..<d { z[i * width + j] = (x[i][j] - mu[j]) / sd[j] } }
        // Step size from the largest eigenvalue of ZᵀZ (power iteration).
        var v = [Double](repeating: 1 / sqrt(Double(width)), count: width)
        var lambda = 1.0
        for _ in 0..<50 {
            var next = [Double](repeating: 0, count: width)
            for i in 0..<n {
                var dot = 0.0
                for j in 0..<width { dot += z[i * width + j] * v[j] }
                for j in 0..<width { next[j] += z[i * width + j] * dot }
            }
            lambda = sqrt(next.reduce(0) { $0 + $1 * $1 })
            guard lambda > 0 else { break }
            v = next.map { $0 / lambda }
        }
        let step = 1 / (c * lambda * 0.5 + 1)
        // Parameters: k rows of `width`, the last entry the intercept.
        var w = [Double](repeating: 0, count: k * width)
        var previous = w
        var look = w, grad = w
        var p = [Double](repeating: 0, count: k)
        for t in 0..<iterations {
            let momentum = Double(t) / Double(t + 3)
            for m in 0..<(k * width) {
                look[m] = w[m] + momentum * (w[m] - previous[m])
                grad[m] = m % width == d ? 0 : look[m]
            }
            for i in 0..<n where y[i] >= 0 && y[i] < k {
                let row = i * width
                var peak = -Double.infinity
                for a in 0..<k {
                    var dot = 0.0
                    for j in 0..<width { dot += look[a * width + j] * z[row + j] }
                    p[a] = dot
                    peak = max(peak, dot)
                }
                var total = 0.0
                for a in 0..<k { p[a] = exp(p[a] - peak); total += p[a] }
                for a in 0..<k {
                    let r = c * (p[a] / total - (a == y[i] ? 1 : 0))
                    for j in 0..<width { grad[a * width + j] += r * z[row + j] }
                }
            }
            previous = w
            for m in 0..<(k * width) { w[m] = look[m] - step * grad[m] }
        }
        let rows = (0..<k).map { a in Array(w[(a * width)..<((a + 1) * width)]) }
        let weights = rows.map { row in (0..<d).map { row[$0] / sd[$0] } }
        let intercepts = rows.map { row in row[d] - (0..<d).reduce(0) { $0 + row[$1] * mu[$1] / sd[$1] } }
        return Model(weights: weights, intercepts: intercepts)
    }
}
