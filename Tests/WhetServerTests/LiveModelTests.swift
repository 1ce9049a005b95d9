import Foundation
import Testing
import WhetCore
@testable import WhetProviders
@testable import WhetServer

/// The real engine and model (SmolLM2-135M, installed by `scripts/setup`) behind `whet serve`, driven
/// by the libcurl client over a loopback socket.
@Suite(.serialized) struct LiveModelTests {
    /// Loaded once: every test shares the engine (and its prefix cache), as the server would.
    static let backend: Result<RecordingBackend, Error> = Result {
        RecordingBackend(try LlamaEngineBackend.load(nil))
    }

    func backend() throws -> RecordingBackend {
        do {
            return try Self.backend.get()
        } catch {
            Issue.record("the local model is needed: run scripts/setup (\(error.localizedDescription))")
            throw error
        }
    }

    @Test func chatOverHTTPMatchesTheInProcessProvider() async throws {
        let backend = try backend()
        let request = ProviderRequest.chat([.user("What is the capital of France?")], GenerationOptions(temperature: 0, maxTokens: 8))
        // Warm the engine's prefix cache first: the engine's greedy output for a cold prompt can differ
        // from a cached one (seen with this very prompt; reported to the engine's owner), and this test
        // is about the HTTP layer adding nothing, not about the engine's cache.
        _ = try await LocalProvider(backend: backend).complete(request)
        let inProcess = try await LocalProvider(backend: backend).complete(request)
        try await withLiveServer(backend: backend, modelID: "smol") { port in
            let overHTTP = try await client(port: port, model: "smol").complete(request)
            #expect(overHTTP.model == "smol")
            #expect(overHTTP.text == inProcess.text)
            #expect(!overHTTP.text.isEmpty)
            #expect(overHTTP.usage == inProcess.usage)
            #expect(overHTTP.usage.completionTokens <= 8)
            let rendered = try backend.renderChat([.user("What is the capital of France?")])
            #expect(overHTTP.usage.promptTokens == (try backend.countTokens(rendered)))
        }
    }

    @Test func completionLogprobsAreConsistent() async throws {
        let backend = try backend()
        let options = GenerationOptions(temperature: 0, maxTokens: 6, logprobs: true, topLogprobs: 3)
        try await withLiveServer(backend: backend, modelID: "smol") { port in
            let response = try await client(port: port, model: "smol").complete(.completion("The sky is", options))
            let choice = try #require(response.choices.first)
            let logprobs = try #require(choice.logprobs)
            #expect(logprobs.count == response.usage.completionTokens)
            #expect(logprobs.map(\.token).joined() == choice.text)
            for entry in logprobs {
                #expect(entry.logprob <= 0)
                #expect(entry.topAlternatives.count == 3)
                // Greedy decoding picks the most likely token: it is the first alternative.
                let best = try #require(entry.topAlternatives.first)
                #expect(abs(best.logprob - entry.logprob) < 1e-3)
                #expect(zip(entry.topAlternatives, entry.topAlternatives.dropFirst()).allSatisfy { $0.logprob >= $1.logprob })
            }
        }
    }

    @Test func stopStringsEndTheText() async throws {
        let backend = try backend()
        let free = try await LocalProvider(backend: backend).complete(
            .completion("1, 2, 3, 4,", GenerationOptions(temperature: 0, maxTokens: 12)))
        let words = free.text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let stop = try #require(words.dropFirst().first, "the model should continue the list: \(free.text)")
        try await withLiveServer(backend: backend, modelID: "smol") { port in
            let stopped = try await client(port: port, model: "smol").complete(
                .completion("1, 2, 3, 4,", GenerationOptions(temperature: 0, maxTokens: 12, stop: [stop])))
            #expect(!stopped.text.contains(stop))
            #expect(free.text.hasPrefix(stopped.text))
            #expect(stopped.choices.first?.finishReason == "stop")
        }
    }

    @Test func concurrentClientsShareBatches() async throws {
        let backend = try backend()
        backend.reset()
        try await withLiveServer(backend: backend, modelID: "smol", maxBatch: 8) { port in
            let remote = client(port: port, model: "smol")
            let texts = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        try await remote.complete(.chat([.user("Give me a word that rhymes with number \(index).")],
                                                        GenerationOptions(temperature: 0, maxTokens: 4))).text
                    }
                }
                var texts: [String] = []
                for try await text in group { texts.append(text) }
                return texts
            }
            #expect(texts.count == 8)
        }
        #expect(backend.batchSizes.reduce(0, +) == 8)
        #expect((backend.batchSizes.max() ?? 0) > 1)
    }

    @Test func labelChoiceOverHTTPAndInProcess() async throws {
        let backend = try backend()
        let input = ProviderInput.chat([.user("Is the sentence 'I loved this film' positive or negative? Answer with one word.")])
        let labels = ["positive", "negative"]
        let exact = try await LocalProvider(backend: backend).choose(among: labels, for: input)
        #expect(exact.method == .logprobs)
        #expect(abs(exact.probabilities.values.reduce(0, +) - 1) < 1e-9)
        try await withLiveServer(backend: backend, modelID: "smol") { port in
            let remote = try await client(port: port, model: "smol").choose(among: labels, for: input)
            #expect(labels.contains(remote.label))
            #expect(abs(remote.probabilities.values.reduce(0, +) - 1) < 1e-9)
        }
    }
}

/// Passes through to the real engine and records the batch sizes it was given.
final class RecordingBackend: LocalModelBackend, @unchecked Sendable {
    let inner: LocalModelBackend
    private let lock = NSLock()
    private var sizes: [Int] = []

    init(_ inner: LocalModelBackend) { self.inner = inner }

    var batchSizes: [Int] { lock.withLock { sizes } }
    func reset() { lock.withLock { sizes = [] } }

    var modelName: String { inner.modelName }
    var contextLength: Int { inner.contextLength }
    func renderChat(_ messages: [ChatMessage]) throws -> String { try inner.renderChat(messages) }
    func countTokens(_ text: String) throws -> Int { try inner.countTokens(text) }
    func generate(_ jobs: [LocalGenerationJob]) async throws -> [LocalGeneration] {
        lock.withLock { sizes.append(jobs.count) }
        return try await inner.generate(jobs)
    }
    func labelLogprobs(prompt: String, labels: [String]) async throws -> [Double] {
        try await inner.labelLogprobs(prompt: prompt, labels: labels)
    }
}
