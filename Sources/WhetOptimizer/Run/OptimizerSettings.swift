import Foundation
import WhetCore

extension Budget {
    /// The limits in words, for errors and reports.
    public var summary: String {
        var parts: [String] = []
        if let maxCalls { parts.append("\(maxCalls) calls") }
        if let maxTokens { parts.append("\(maxTokens) tokens") }
        if let maxCostUSD { parts.append(String(format: "$%.4f", maxCostUSD)) }
        if let maxSeconds { parts.append(String(format: "%.0f s", maxSeconds)) }
        return parts.isEmpty ? "no limit" : parts.joined(separator: ", ")
    }
}

/// What the search may change. All of it by default; the ablations turn parts off.
public enum SearchDimension: String, Codable, CaseIterable, Sendable {
    /// Instruction wording and the output-format line.
    case instructions
    /// Exemplar choice, count and order.
    case exemplars
    /// Label tasks: answer words, sum or mean per token, calibration.
    case readout
}

/// Everything that decides a run's path, stored with the run so `--resume` repeats it.
public struct OptimizerSettings: Codable, Hashable, Sendable {
    public var seed: UInt64
    /// Calls, tokens and cost count every request the run makes, whether the model or the
    /// response cache answers it, so the same seed takes the same path whatever the cache holds.
    public var limits: Budget
    public var dimensions: [SearchDimension]
    /// Train examples set aside to rank candidates on (the rest are the exemplar pool).
    public var selectionSize: Int
    /// Candidates that reach the full dev evaluation.
    public var finalists: Int
    /// Pool examples (train, never used for ranking) added to dev for the paired test, so a
    /// few points' gain can be told from noise; none that a finalist shows as an exemplar.
    public var confirmationSize: Int
    /// One-sided level of the paired test against the seed (split over the finalists).
    public var alpha: Double
    /// Examples in flight at once.
    public var parallelism: Int
    /// Candidates when neither the task nor the command line caps them.
    public var defaultCandidates: Int

    public init(seed: UInt64 = 0, limits: Budget = .unlimited, dimensions: [SearchDimension] = SearchDimension.allCases,
                selectionSize: Int = 96, finalists: Int = 2, confirmationSize: Int = 200, alpha: Double = 0.05, parallelism: Int = 16,
                defaultCandidates: Int = 16) {
        self.seed = seed
        self.limits = limits
        self.dimensions = dimensions
        self.selectionSize = selectionSize
        self.finalists = finalists
        self.confirmationSize = confirmationSize
        self.alpha = alpha
        self.parallelism = parallelism
        self.defaultCandidates = defaultCandidates
    }

    public func allows(_ dimension: SearchDimension) -> Bool { dimensions.contains(dimension) }
}
