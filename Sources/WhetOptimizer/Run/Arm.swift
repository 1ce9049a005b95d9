import Foundation
import WhetCore

/// A candidate in the search: what it is, where it came from, and its results so far.
final class Arm {
    let ordinal: Int
    var id: Int64 = 0
    var candidate: Candidate
    let operatorName: String
    let parents: [Int]
    let round: Int
    /// Results on the first `selection.count` selection examples, in their fixed order.
    var selection: [ScoredExample] = []
    /// Per-example scores on the selection examples: held-out readout predictions for
    /// label tasks, the metric's scores otherwise.
    var selectionScores: [Double] = []
    var contentFree: [WordScores]?
    /// A readout fitted on train examples: each one's result from a fit without it, by
    /// example id (the finals' paired test reads these instead of in-sample predictions).
    var crossFitted: [String: ScoredExample]?
    var dev: [ScoredExample]?
    var test: [ScoredExample]?
    /// The seed keeps the task's own readout: it is the baseline every gain is measured from.
    let fixedReadout: Bool

    init(ordinal: Int, candidate: Candidate, operatorName: String, parents: [Int], round: Int, fixedReadout: Bool = false) {
        self.ordinal = ordinal
        self.candidate = candidate
        self.operatorName = operatorName
        self.parents = parents
        self.round = round
        self.fixedReadout = fixedReadout
    }

    var score: Double {
        selectionScores.isEmpty ? 0 : selectionScores.reduce(0, +) / Double(selectionScores.count)
    }

    var devMean: Double {
        guard let dev, !dev.isEmpty else { return 0 }
        return dev.reduce(0) { $0 + $1.score } / Double(dev.count)
    }

    /// Higher score first; on a tie the shorter prompt, then the earlier candidate.
    static func ranked(_ arms: [Arm], by key: (Arm) -> Double) -> [Arm] {
        arms.sorted { a, b in
            let (x, y) = (key(a), key(b))
            if abs(x - y) > 1e-12 { return x > y }
            if a.candidate.length != b.candidate.length { return a.candidate.length < b.candidate.length }
            return a.ordinal < b.ordinal
        }
    }
}
