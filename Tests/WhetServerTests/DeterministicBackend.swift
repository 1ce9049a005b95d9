import Foundation
import WhetCore
import WhetProviders

/// TEST STAND-IN for the in-process engine: deterministic text and log-probabilities from the prompt
/// and seed, so the HTTP layer, batching and the client can be tested without the real model. Tests
/// that need the real engine use `EngineBackend` (see LiveModelTests).
final class DeterministicBackend: LocalModelBackend, @unchecked Sendable {
    static let vocabulary = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]

    let modelName = "deterministic-test-model"
    let contextLength: Int
    /// Each batch sleeps this long, so concurrent requests pile up and batch together.
    let batchDelay: Double
    private let lock = NSLock()
    private var sizes: [Int] = []

    init(contextLength: Int = 512, batchDelay: Double = 0) {
        self.contextLength = contextLength
        self.batchDelay = batchDelay
    }

    var batchSizes: [Int] {
        lock.lock()
        defer { lock.unlock() }
        return sizes
    }

    func renderChat(_ messages: [ChatMessage]) throws -> String {
        messages.map { "<|\($0.role)|> \($0.content)" }.joined(separator: " ") + " <|assistant|>"
    }

    func countTokens(_ text: String) throws -> Int {
        text.split(whereSeparator: \.isWhitespace).count
    }

    func generate(_ jobs: [LocalGenerationJob]) async throws -> [LocalGeneration] {
        lock.withLock { sizes.append(jobs.count) }
        if batchDelay > 0 { try await Task.sleep(nanoseconds: UInt64(batchDelay * 1e9)) }
        return try jobs.map(generateOne)
    }

    /// Word i is picked from the prompt's length, the position and, when sampling, the seed.
    static func word(prompt: String, position: Int, job: LocalGenerationJob) -> Int {
        let salt = job.temperature > 0 ? Int(job.seed % 1000) : 0
        return (prompt.count + position * 3 + salt) % vocabulary.count
    }

    private func generateOne(_ job: LocalGenerationJob) throws -> LocalGeneration {
        var words: [String] = []
        var logprobs: [TokenLogprob] = []
        var finish = "length"
        for position in 0..<job.maxTokens {
            let word = Self.vocabulary[Self.word(prompt: job.prompt, position: position, job: job)]
            if job.stop.contains(word) {
                finish = "stop"
                break
            }
            let token = (words.isEmpty ? "" : " ") + word
            words.append(word)
            var alternatives: [TokenAlternative] = []
            for rank in 0..<(job.topLogprobs ?? 0) {
                let other = " " + Self.vocabulary[(rank + position) % Self.vocabulary.count]
                alternatives.append(TokenAlternative(token: rank == 0 ? token : other, logprob: -0.1 - Double(rank)))
            }
            logprobs.append(TokenLogprob(token: token, logprob: -0.1, topAlternatives: alternatives))
        }
        return LocalGeneration(text: words.joined(separator: " "), logprobs: job.topLogprobs == nil ? nil : logprobs,
                               promptTokens: try countTokens(job.prompt), completionTokens: words.count,
                               finishReason: finish)
    }

    /// A label found in the prompt is likely; others less so, longer ones least.
    func labelLogprobs(prompt: String, labels: [String]) async throws -> [Double] {
        labels.map { prompt.lowercased().contains($0.lowercased()) ? -0.5 : -3 - Double($0.count) / 10 }
    }
}
