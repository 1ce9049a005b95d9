import Foundation

struct SplitRatios {
    var train = 0.6
    var dev = 0.2
    var test = 0.2
    var seed: UInt64 = 0
    var sumError: FileFormatError?

    /// With explicit train/test files, `dev` is the share of the train file kept
    /// for selection, and the ratios need not add up to 1.
    var devShareOfPool: Double { dev }

    static func parse(_ node: YAMLNode?) throws -> SplitRatios {
        var r = SplitRatios()
        guard let node else { return r }
        try node.rejectUnknownKeys(["train", "dev", "test", "seed"])
        func ratio(_ key: String) throws -> Double? {
            guard let n = try node.optional(key) else { return nil }
            let v = try n.double()
            guard v >= 0 && v <= 1 else { throw n.error(.invalidValue, "expected a ratio between 0 and 1, found \(v)") }
            return v
        }
        let given = (try ratio("train"), try ratio("dev"), try ratio("test"))
        r.train = given.0 ?? r.train
        r.dev = given.1 ?? r.dev
        r.test = given.2 ?? r.test
        if let s = try node.optional("seed") {
            let v = try s.int()
            guard v >= 0 else { throw s.error(.invalidValue, "expected a non-negative integer seed") }
            r.seed = UInt64(v)
        }
        let sum = r.train + r.dev + r.test
        if abs(sum - 1) >= 1e-6 {
            r.sumError = node.error(.invalidValue, "train + dev + test must add up to 1, they add up to \(sum)")
        }
        return r
    }

    func split(_ examples: [Example], rng: inout SeededGenerator, node: YAMLNode) throws -> TaskData {
        if let sumError { throw sumError }
        var pool = examples
        pool.shuffle(using: &rng)
        let n = pool.count
        let nTest = Int((Double(n) * test).rounded())
        let nDev = Int((Double(n) * dev).rounded())
        let testSet = Array(pool.prefix(nTest))
        let devSet = Array(pool.dropFirst(nTest).prefix(nDev))
        let trainSet = Array(pool.dropFirst(nTest + nDev))
        guard !testSet.isEmpty else {
            throw node.error(.emptySplit, "the test split is empty (\(n) examples × test ratio \(test)); expected a held-out test set")
        }
        guard !devSet.isEmpty else {
            throw node.error(.emptySplit, "the dev split is empty (\(n) examples × dev ratio \(dev)); expected examples to select on")
        }
        guard !trainSet.isEmpty else {
            throw node.error(.emptySplit, "the train split is empty (\(n) examples); expected a pool to optimise on")
        }
        return TaskData(train: trainSet, dev: devSet, test: testSet)
    }
}
