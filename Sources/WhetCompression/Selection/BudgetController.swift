import Foundation

/// Hits the target token count: assembles the kept units, counts the result in the
/// model's tokens (joins and merges make the sum of unit counts inexact), and drops or
/// restores groups of units in priority order until the count is within tolerance.
struct BudgetController {
    /// Units that move together, with their token count.
    struct Group {
        var units: [Int]
        var tokens: Int
    }

    let target: Int
    /// Allowed relative distance from the target before another correction round.
    var tolerance = 0.02
    var maxRounds = 8

    /// - Parameters:
    ///   - removable: kept groups, least important first.
    ///   - addable: dropped groups, most important first.
    ///   - count: tokens of the text the mask assembles to.
    func correct(keep: inout [Bool], removable: [Group], addable: [Group], count: ([Bool]) -> Int) -> Int {
        var current = count(keep)
        for _ in 0..<maxRounds {
            let error = current - target
            if abs(Double(error)) <= tolerance * Double(target) { break }
            var moved = 0
            let over = error > 0
            for g in over ? removable : addable {
                let remaining = abs(error) - moved
                if remaining <= 0 { break }
                // A group more than twice the remaining error would overshoot by more than it fixes.
                if g.tokens > 2 * remaining { continue }
                if over {
                    guard g.units.contains(where: { keep[$0] }) else { continue }
                    for u in g.units { keep[u] = false }
                } else {
                    guard g.units.contains(where: { !keep[$0] }) else { continue }
                    for u in g.units { keep[u] = true }
                }
                moved += g.tokens
            }
            if moved == 0 { break }
            current = count(keep)
        }
        return current
    }
}
