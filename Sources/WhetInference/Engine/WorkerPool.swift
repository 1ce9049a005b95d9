import CWhetKernels

/// The kernel pool (kernels_pool.c; a spinning work-sharing pool rather than
/// DispatchQueue.concurrentPerform, whose per-call wake-ups cost more than a
/// decode-sized matmul).
enum WorkerPool {
    static var threadCount: Int { Int(whet_pool_threads()) }

    /// Runs `body(chunk, thread)` for every chunk in `0..<chunks`, spread over the
    /// caller (thread 0) and the worker (thread 1).
    /// With `firstPhase` > 0, chunks `0..<firstPhase` all finish before any later chunk starts.
    static func run(chunks: Int, firstPhase: Int = 0, _ body: (Int, Int) -> Void) {
        guard chunks > 0 else { return }
        withoutActuallyEscaping(body) { escaping in
            var closure = escaping
            withUnsafeMutablePointer(to: &closure) { pointer in
                whet_pool_run_phased({ context, chunk, _, thread in
                    let f = context!.assumingMemoryBound(to: ((Int, Int) -> Void).self).pointee
                    f(Int(chunk), Int(thread))
                }, pointer, Int32(firstPhase), Int32(chunks))
            }
        }
    }

    /// The half-open slice `[begin, end)` of `count` items that part `i` of `parts` takes.
    @inline(__always) static func slice(_ count: Int, _ i: Int, _ parts: Int, align: Int = 1) -> Range<Int> {
        let per = ((count + parts - 1) / parts + align - 1) / align * align
        let begin = min(count, i * per)
        return begin..<min(count, begin + per)
    }
}

/// A growable, 64-byte aligned scratch array reused across forward passes.
final class ScratchBuffer<Element> {
    private(set) var pointer: UnsafeMutablePointer<Element>
    private(set) var capacity: Int

    init(_ capacity: Int = 64) {
        self.capacity = max(capacity, 64)
        pointer = UnsafeMutableRawPointer.allocate(byteCount: self.capacity * MemoryLayout<Element>.stride,
                                                   alignment: 64).bindMemory(to: Element.self, capacity: self.capacity)
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    /// At least `count` elements; contents are not preserved when it grows.
    func reserve(_ count: Int) -> UnsafeMutablePointer<Element> {
        if count > capacity {
            UnsafeMutableRawPointer(pointer).deallocate()
            capacity = max(count, capacity * 2)
            pointer = UnsafeMutableRawPointer.allocate(byteCount: capacity * MemoryLayout<Element>.stride,
                                                       alignment: 64).bindMemory(to: Element.self, capacity: capacity)
        }
        return pointer
    }
}
