/// The keys and values of one sequence, per layer, as fp16 (llama.cpp's cache type, so storing them
/// loses nothing; half the bytes a batched decode step reads). Keys are rows [position × kvDim]; values
/// are blocks of 16 positions [capacity / 16 × kvDim × 16], so attention's weighted sum reads 16
/// positions of one dimension with one load and a head's block is one contiguous 2 KB run. Grows in
/// chunks, so parallel sequences cost only what they use (23 KB per position for SmolLM2-135M).
public final class KVCache: @unchecked Sendable {
    let layers: Int
    let kvDim: Int
    /// Positions filled so far.
    public internal(set) var length = 0
    /// Positions allocated (a multiple of 16).
    private(set) var capacity = 0
    private(set) var keys: [UnsafeMutablePointer<UInt16>] = []
    private(set) var values: [UnsafeMutablePointer<UInt16>] = []
    static let chunk = 128

    init(layers: Int, kvDim: Int) {
        self.layers = layers
        self.kvDim = kvDim
    }

    deinit { release() }

    private func release() {
        keys.forEach { UnsafeMutableRawPointer($0).deallocate() }
        values.forEach { UnsafeMutableRawPointer($0).deallocate() }
        keys = []
        values = []
        capacity = 0
    }

    /// Makes room for `positions` positions, keeping the first `length`.
    func reserve(_ positions: Int) {
        guard positions > capacity else { return }
        let newCapacity = (positions + Self.chunk - 1) / Self.chunk * Self.chunk
        var newKeys: [UnsafeMutablePointer<UInt16>] = []
        var newValues: [UnsafeMutablePointer<UInt16>] = []
        for l in 0..<layers {
            let k = Self.allocate(newCapacity * kvDim), v = Self.allocate(newCapacity * kvDim)
            if length > 0 {
                k.update(from: keys[l], count: length * kvDim)
                v.update(from: values[l], count: Self.valueCount(length, kvDim))
            }
            newKeys.append(k)
            newValues.append(v)
        }
        let kept = length
        release()
        keys = newKeys
        values = newValues
        capacity = newCapacity
        length = kept
    }

    /// Cache-line aligned, so a head's 128-byte key row is two lines, not three.
    private static func allocate(_ count: Int) -> UnsafeMutablePointer<UInt16> {
        UnsafeMutableRawPointer.allocate(byteCount: count * 2, alignment: 64).bindMemory(to: UInt16.self, capacity: count)
    }

    /// The values of `positions` positions: whole 16-position blocks.
    static func valueCount(_ positions: Int, _ kvDim: Int) -> Int { (positions + 15) / 16 * 16 * kvDim }

    /// Forgets everything after `newLength` positions.
    public func truncate(to newLength: Int) { length = min(length, max(0, newLength)) }

    /// Copies the first `count` positions of `other` into this (empty or longer) cache.
    func copyPrefix(from other: KVCache, count: Int) {
        reserve(count)
        for l in 0..<layers {
            keys[l].update(from: other.keys[l], count: count * kvDim)
            values[l].update(from: other.values[l], count: Self.valueCount(count, kvDim))
        }
        length = count
    }

    /// A new cache holding a copy of the first `count` positions.
    func snapshot(count: Int) -> KVCache {
        let copy = KVCache(layers: layers, kvDim: kvDim)
        copy.copyPrefix(from: self, count: min(count, length))
        return copy
    }

    var byteCount: Int { capacity * kvDim * layers * 2 * MemoryLayout<UInt16>.size }
}
