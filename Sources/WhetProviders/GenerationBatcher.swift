import Foundation

/// What one step of the batcher's loop did, for tests and the serve log.
public struct BatcherStep: Sendable, Equatable {
    /// Counts from 1 over the batcher's life.
    public var index: Int
    /// Jobs that joined at this step.
    public var admitted: Int
    /// Jobs in the session during the step (the admitted ones included).
    public var running: Int
    /// Jobs that ended at this step.
    public var finished: Int
    public var prefillTokens: Int
    public var decodedSequences: Int
}

/// Continuous batching for the in-process model: the jobs of many concurrent callers (HTTP clients
/// of `whet serve`, parallel optimizer tasks) share one generation session. A loop runs the
/// session step after step while it has work; a job submitted meanwhile joins at the next step
/// (up to `maxBatch` running jobs, the rest wait in arrival order), and a finished job's caller
/// resumes at the end of the step that finished it. The steps run on the backend's own thread;
/// this actor only keeps the books.
public actor GenerationBatcher {
    public nonisolated let backend: LocalModelBackend
    public let maxBatch: Int
    private let session: any LocalGenerationSession
    private let onStep: (@Sendable (BatcherStep) -> Void)?
    private typealias Continuation = CheckedContinuation<LocalGeneration, Error>
    private var waiting: [(id: UInt64, job: LocalGenerationJob, continuation: Continuation)] = []
    private var running: [UInt64: Continuation] = [:]
    /// Running jobs whose callers were cancelled: the session drops them at its next step.
    private var dropped: [UInt64] = []
    private var looping = false
    private var nextID: UInt64 = 0
    private var steps = 0

    /// `onStep` sees every step as it ends (from the batcher's executor: keep it quick).
    public init(backend: LocalModelBackend, maxBatch: Int = 16, onStep: (@Sendable (BatcherStep) -> Void)? = nil) {
        self.backend = backend
        self.maxBatch = max(1, maxBatch)
        self.onStep = onStep
        session = backend.makeGenerationSession()
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

    /// Generates one job; cancelling the calling task ends it with CancellationError and
    /// removes it from the session without disturbing the other jobs.
    public func submit(_ job: LocalGenerationJob) async throws -> LocalGeneration {
        let id = nextID
        nextID += 1
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if Task.isCancelled { return continuation.resume(throwing: CancellationError()) }
                waiting.append((id, job, continuation))
                if !looping {
                    looping = true
                    Task { await self.loop() }
                }
            }
        } onCancel: {
            Task { await self.cancel(id) }
        }
    }

    private func cancel(_ id: UInt64) {
        if let i = waiting.firstIndex(where: { $0.id == id }) {
            waiting.remove(at: i).continuation.resume(throwing: CancellationError())
        } else if let continuation = running.removeValue(forKey: id) {
            dropped.append(id)
            continuation.resume(throwing: CancellationError())
        }
    }

    private func loop() async {
        while !waiting.isEmpty || !running.isEmpty || !dropped.isEmpty {
            let admitted = Array(waiting.prefix(maxBatch - running.count))
            waiting.removeFirst(admitted.count)
            for entry in admitted { running[entry.id] = entry.continuation }
            let cancelled = dropped
            dropped = []
            let size = running.count
            let outcome = await session.step(admitting: admitted.map { SessionJob(id: $0.id, job: $0.job) },
                                             cancelling: cancelled)
            var finished = 0
            for (id, result) in outcome.finished {
                // A job cancelled during the step has been answered already.
                guard let continuation = running.removeValue(forKey: id) else { continue }
                continuation.resume(with: result)
                finished += 1
            }
            steps += 1
            onStep?(BatcherStep(index: steps, admitted: admitted.count, running: size, finished: finished,
                                prefillTokens: outcome.prefillTokens, decodedSequences: outcome.decodedSequences))
        }
        looping = false
    }
}
