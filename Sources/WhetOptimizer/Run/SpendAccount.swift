import Foundation
import WhetCore

/// A run's spending against its limits. Every check is made before the requests it covers,
/// with the same pessimistic estimates the provider's ledger makes, plus what the final
/// dev and test evaluations will need, so the search stops in time for them.
public struct SpendAccount: Sendable {
    public let limits: Budget
    public private(set) var spent = Spend()
    public let started: Date

    public init(limits: Budget, started: Date = Date()) {
        self.limits = limits
        self.started = started
    }

    public var seconds: Double { Date().timeIntervalSince(started) }

    /// Which limit `estimate` (plus `reserve`, held for later work) would cross, or nil if it fits.
    public func exceeded(by estimate: Spend, reserve: Spend = Spend(), reserveSeconds: Double = 0) -> String? {
        let total = spent + estimate + reserve
        if let max = limits.maxCalls, total.calls > max { return "calls (\(max))" }
        if let max = limits.maxTokens, total.tokens > max { return "tokens (\(max))" }
        if let max = limits.maxCostUSD, total.costUSD > max + 1e-12 { return String(format: "cost ($%.4f)", max) }
        if let max = limits.maxSeconds, seconds + reserveSeconds > max { return String(format: "time (%.0f s)", max) }
        return nil
    }

    public mutating func add(_ spend: Spend) { spent += spend }
}

/// Thrown inside the search when the next step does not fit the budget: the search ends
/// and the run finishes with the best candidate so far.
struct BudgetStop: Error {
    let reason: String
}
