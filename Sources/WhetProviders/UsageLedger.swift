import Foundation
import WhetCore

/// Usage of one model over a run.
public struct ModelUsage: Hashable, Sendable {
    /// Calls that went to the model (cache misses).
    public var calls = 0
    public var cacheHits = 0
    public var usage = TokenUsage()
    public var costUSD = 0.0
    public var totalLatency = 0.0

    public init() {}
}

/// Counts calls, tokens, latency and cost per model, and refuses a call *before* it is made when it,
/// added to what is spent and what calls in flight may still spend, would exceed the budget: calls,
/// tokens, cost, or time since the ledger was made.
public actor UsageLedger {
    public let budget: Budget
    public let started: Date
    private var perModel: [String: ModelUsage] = [:]
    private var reservedCost = 0.0
    private var reservedTokens = 0
    private var nextReservation = 0
    private var reservations: [Int: (cost: Double, tokens: Int)] = [:]

    public init(budget: Budget = .unlimited, started: Date = Date()) {
        self.budget = budget
        self.started = started
    }

    public struct Reservation: Sendable {
        let id: Int
    }

    public var spentCostUSD: Double { perModel.values.reduce(0) { $0 + $1.costUSD } }
    public var spentTokens: Int { perModel.values.reduce(0) { $0 + $1.usage.totalTokens } }
    public var spentCalls: Int { perModel.values.reduce(0) { $0 + $1.calls } }
    public var cacheHits: Int { perModel.values.reduce(0) { $0 + $1.cacheHits } }

    public func usage(of model: String) -> ModelUsage { perModel[model] ?? ModelUsage() }
    public func all() -> [String: ModelUsage] { perModel }

    /// Holds the estimate against the budget until `settle`; throws when it does not fit.
    public func reserve(estimate: TokenUsage, price: PriceTable?) throws -> Reservation {
        let cost = price?.cost(of: estimate) ?? 0
        if let limit = budget.maxCalls, spentCalls + reservations.count + 1 > limit {
            throw ProviderError.budgetExceeded(limit: "\(limit) calls", spent: Double(spentCalls + reservations.count),
                                               estimate: 1)
        }
        if let limit = budget.maxSeconds, Date().timeIntervalSince(started) >= limit {
            throw ProviderError.budgetExceeded(limit: String(format: "%.0f s", limit),
                                               spent: Date().timeIntervalSince(started), estimate: 0)
        }
        if let limit = budget.maxCostUSD, spentCostUSD + reservedCost + cost > limit {
            throw ProviderError.budgetExceeded(limit: String(format: "$%.4f", limit),
                                               spent: spentCostUSD + reservedCost, estimate: cost)
        }
        if let limit = budget.maxTokens, spentTokens + reservedTokens + estimate.totalTokens > limit {
            throw ProviderError.budgetExceeded(limit: "\(limit) tokens", spent: Double(spentTokens + reservedTokens),
                                               estimate: Double(estimate.totalTokens))
        }
        nextReservation += 1
        reservations[nextReservation] = (cost, estimate.totalTokens)
        reservedCost += cost
        reservedTokens += estimate.totalTokens
        return Reservation(id: nextReservation)
    }

    /// Replaces the estimate with what the call really cost (nil usage: the call failed and cost nothing).
    public func settle(_ reservation: Reservation, model: String, usage: TokenUsage?, latency: Double, price: PriceTable?) {
        if let held = reservations.removeValue(forKey: reservation.id) {
            reservedCost -= held.cost
            reservedTokens -= held.tokens
        }
        guard let usage else { return }
        var entry = perModel[model] ?? ModelUsage()
        entry.calls += 1
        entry.usage = entry.usage + usage
        entry.costUSD += price?.cost(of: usage) ?? 0
        entry.totalLatency += latency
        perModel[model] = entry
    }

    public func recordCacheHit(model: String) {
        perModel[model, default: ModelUsage()].cacheHits += 1
    }
}
