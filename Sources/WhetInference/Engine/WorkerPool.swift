import CWhetKernels

/// Runs `body(threadIndex, threadCount)` on the caller and on the kernel pool's
/// worker thread (see kernels_pool.c for why a spinning pool and not
/// DispatchQueue.concurrentPerform), returning when both are done.
enum WorkerPool {
    static var threadCount: Int { Int(whet_pool_threads()) }

    static func run(_ body: (Int, Int) -> Void) {
        withoutActuallyEscaping(body) { escaping in
            var closure = escaping
            withUnsafeMutablePointer(to: &closure) { pointer in
                whet_pool_run({ context, ith, nth in
                    let f = context!.assumingMemoryBound(to: ((Int, Int) -> Void).self).pointee
                    f(Int(ith), Int(nth))
                }, pointer)
            }
        }
    }

    /// The half-open slice `[begin, end)` of `count` items that thread `ith` of `nth` takes.
    @inline(__always) static func slice(_ count: Int, _ ith: Int, _ nth: Int, align: Int = 1) -> Range<Int> {
        let per = ((count + nth - 1) / nth + align - 1) / align * align
        let begin = min(count, ith * per)
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
