import Foundation

/// Gathers generation jobs from many concurrent callers (HTTP clients of `whet serve`, parallel
/// optimizer tasks) into batches for the engine's batched decoding: while one batch decodes, new jobs
/// queue, and the next batch takes up to `maxBatch` of them.
public actor GenerationBatcher {
    public nonisolated let backend: LocalModelBackend
    public let maxBatch: Int
    private var pending: [(job: LocalGenerationJob, continuation: CheckedContinuation<LocalGeneration, Error>)] = []
    private var draining = false
    /// Sizes of the batches run so far (for tests and the serve log).
    public private(set) var batchSizes: [Int] = []

    public init(backend: LocalModelBackend, maxBatch: Int = 16) {
        self.backend = backend
        self.maxBatch = max(1, maxBatch)
    }

    public func generate(_ jobs: [LocalGenerationJob]) async throws -> [LocalGeneration] {
        try await withThrowingTaskGroup(of: (Int, LocalGeneration).self) { group in
            for (index, job) in jobs.enumerated() {
                group.addTask { (index, try await self.submit(job)) }
            }
            var results = [LocalGeneration?](repeating: nil, count: jobs.count)
            for try await (index, generation) in group { results[index] = generation }
            return results.map { $0! }
        }
    }

    public func submit(_ job: LocalGenerationJob) async throws -> LocalGeneration {
        try await withCheckedThrowingContinuation { continuation in
            pending.append((job, continuation))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(maxBatch))
            pending.removeFirst(batch.count)
            batchSizes.append(batch.count)
            do {
                let results = try await backend.generate(batch.map(\.job))
                guard results.count == batch.count else {
                    throw ProviderError.localModel(reason: "engine returned \(results.count) results for \(batch.count) jobs")
                }
                for (entry, result) in zip(batch, results) { entry.continuation.resume(returning: result) }
            } catch {
                for entry in batch { entry.continuation.resume(throwing: error) }
            }
        }
        draining = false
    }
}
