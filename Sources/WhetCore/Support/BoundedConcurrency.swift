import Foundation

/// Maps `items` through `body` with at most `limit` calls in flight (so the local engine can batch them),
/// returning the results in input order; `finished` is called once per item as it completes.
public func boundedConcurrentMap<Item: Sendable, Result: Sendable>(
    _ items: [Item], limit: Int, finished: () -> Void = {}, _ body: @escaping @Sendable (Item) async throws -> Result
) async throws -> [Result] {
    var results = [Result?](repeating: nil, count: items.count)
    try await withThrowingTaskGroup(of: (Int, Result).self) { group in
        var next = 0
        func add() {
            let i = next
            next += 1
            group.addTask { (i, try await body(items[i])) }
        }
        while next < min(max(1, limit), items.count) { add() }
        while let (i, result) = try await group.next() {
            results[i] = result
            finished()
            if next < items.count { add() }
        }
    }
    return results.map { $0! }
}
