import Foundation
import Testing
@testable import WhetInference

/// The kernel pool runs every chunk exactly once, and a phased run finishes its
/// first phase before any chunk of the second starts. Runs alternate between few
/// and many chunks, the pattern in which a worker left over from a finished small
/// run once claimed a chunk of the next, larger run before it was published and
/// hung the engine (kernels_pool.c). That race needs a window of a few
/// instructions, so this test does not reliably reproduce it (it passed 3 of 3
/// times against the unfixed pool); it guards the counting and the phases.
@Suite struct WorkerPoolTests {
    @Test func everyChunkRunsOnceAndPhasesAreOrdered() {
        let slots = 32
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: slots)
        let early = UnsafeMutablePointer<Bool>.allocate(capacity: slots)
        defer {
            counts.deallocate()
            early.deallocate()
        }
        var failures = 0
        for i in 0..<60_000 {
            let chunks = i % 2 == 0 ? 4 : 17 + i % 7
            let first = i % 3 == 0 ? 0 : 1 + i % 8
            counts.initialize(repeating: 0, count: slots)
            early.initialize(repeating: false, count: slots)
            // Each chunk writes only its own slots; a second-phase chunk reads the
            // first phase's, which the pool has finished (and published) by then.
            WorkerPool.run(chunks: chunks, firstPhase: first) { chunk, _ in
                counts[chunk] += 1
                if chunk >= first { early[chunk] = (0..<first).contains { counts[$0] != 1 } }
            }
            let once = (0..<slots).allSatisfy { counts[$0] == ($0 < chunks ? 1 : 0) }
            if !once || (0..<slots).contains(where: { early[$0] }) { failures += 1 }
        }
        #expect(failures == 0)
    }

    /// Each thread takes its own half of the chunks in order and then steals the
    /// other's from the end. With one thread held up on every chunk, the other
    /// must steal, and still every chunk runs exactly once.
    @Test(arguments: [0, 1])
    func aSlowThreadsChunksAreStolen(slowThread: Int) {
        let chunks = 12
        let ranOn = UnsafeMutablePointer<Int>.allocate(capacity: chunks)
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: chunks)
        defer {
            ranOn.deallocate()
            counts.deallocate()
        }
        var stolen = 0, failures = 0
        for _ in 0..<50 {
            counts.initialize(repeating: 0, count: chunks)
            WorkerPool.run(chunks: chunks) { chunk, thread in
                counts[chunk] += 1
                ranOn[chunk] = thread
                if thread == slowThread { usleep(200) }
            }
            if (0..<chunks).contains(where: { counts[$0] != 1 }) { failures += 1 }
            // Half 0 is chunks 0..<6 (the caller's), half 1 the rest (the worker's).
            stolen += (0..<chunks).filter { ranOn[$0] != ($0 < chunks / 2 ? 0 : 1) }.count
        }
        #expect(failures == 0)
        #expect(stolen > 0)
    }
}
