import Foundation
import WhetInference

/// The engine's `DecodeSession` as a provider session: jobs become engine requests when they join,
/// finished sequences become `LocalGeneration`s. Every call runs on the backend's serial queue, the
/// session's one owner (hence unchecked Sendable); the engine's lock is taken per step, so label
/// scoring and other engine calls interleave between steps.
final class EngineGenerationSession: LocalGenerationSession, @unchecked Sendable {
    private let backend: LlamaEngineBackend
    private let session: DecodeSession
    private var jobs: [SequenceID: SessionJob] = [:]
    private var sequences: [UInt64: SequenceID] = [:]

    init(backend: LlamaEngineBackend) {
        self.backend = backend
        session = DecodeSession(engine: backend.engine)
    }

    /// No job is in the session.
    var isIdle: Bool { session.isEmpty }

    func step(admitting admitted: [SessionJob], cancelling cancelled: [UInt64]) async -> SessionStepOutcome {
        do {
            return try await backend.onQueue { self.stepNow(admitting: admitted, cancelling: cancelled) }
        } catch {
            var outcome = SessionStepOutcome()
            outcome.finished = admitted.map { ($0.id, .failure(error)) }
            return outcome
        }
    }

    func stepNow(admitting admitted: [SessionJob], cancelling cancelled: [UInt64]) -> SessionStepOutcome {
        var outcome = SessionStepOutcome()
        for id in cancelled {
            guard let sequence = sequences.removeValue(forKey: id) else { continue }
            session.cancel(sequence)
            jobs[sequence] = nil
        }
        for entry in admitted {
            let prompt = backend.promptTokens(entry.job.prompt)
            do {
                let sequence = try session.add(backend.request(for: entry.job, prompt: prompt))
                jobs[sequence] = entry
                sequences[entry.id] = sequence
            } catch {
                outcome.finished.append((entry.id, .failure(ProviderError.invalidRequest(reason: error.localizedDescription))))
            }
        }
        guard !session.isEmpty else { return outcome }
        let report = session.step()
        outcome.prefillTokens = report.prefillTokens
        outcome.decodedSequences = report.decodedSequences
        for (sequence, result) in report.finished {
            guard let entry = jobs.removeValue(forKey: sequence) else { continue }
            sequences[entry.id] = nil
            outcome.finished.append((entry.id, .success(backend.generation(from: result, job: entry.job))))
        }
        return outcome
    }
}
