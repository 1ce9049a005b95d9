/// The keys and values of one sequence, per layer, as fp16 (llama.cpp's cache type,
/// so storing them loses nothing): keys as rows [position × kvDim], values
/// transposed [kvDim × capacity] so attention's weighted sum reads 16 positions of
/// one dimension with one load (it was bound by loads). fp16 rather than F32 copies
/// halves what a batched decode step reads (attention was a quarter of an
/// 8-sequence step, waiting on memory). Grows in chunks as the sequence grows so
/// eight parallel sequences cost only what they use (23 KB per position for
/// SmolLM2-135M).
public final class KVCache: @unchecked Sendable {
    let layers: Int
    let kvDim: Int
    /// Positions filled so far.
    public internal(set) var length = 0
    /// Positions allocated: the row stride of the transposed values.
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
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
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
            let k = UnsafeMutablePointer<UInt16>.allocate(capacity: newCapacity * kvDim)
            let v = UnsafeMutablePointer<UInt16>.allocate(capacity: newCapacity * kvDim)
            if length > 0 {
                k.update(from: keys[l], count: length * kvDim)
                for d in 0..<kvDim { (v + d * newCapacity).update(from: values[l] + d * capacity, count: length) }
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

    /// Forgets everything after `newLength` positions.
    public func truncate(to newLength: Int) { length = min(length, max(0, newLength)) }

    /// Copies the first `count` positions of `other` into this (empty or longer) cache.
    func copyPrefix(from other: KVCache, count: Int) {
        reserve(count)
        for l in 0..<layers {
            keys[l].update(from: other.keys[l], count: count * kvDim)
            for d in 0..<kvDim {
                (values[l] + d * capacity).update(from: other.values[l] + d * other.capacity, count: count)
            }
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
