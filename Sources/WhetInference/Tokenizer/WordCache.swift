import Foundation

/// Memoised BPE results per pre-tokenized word. Prompts repeat the same words
/// thousands of times, and a hit skips the merge loop entirely. Bounded: cleared
/// when full rather than tracking recency, which is cheap and good enough for text.
final class WordCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [[UInt8]: [Int32]] = [:]
    private let capacity: Int

    init(capacity: Int = 200_000) { self.capacity = capacity }

    func value(for word: [UInt8]) -> [Int32]? {
        lock.lock()
        defer { lock.unlock() }
        return entries[word]
    }

    func insert(_ ids: [Int32], for word: [UInt8]) {
        lock.lock()
        defer { lock.unlock() }
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[word] = ids
    }
}
