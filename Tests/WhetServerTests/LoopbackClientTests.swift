import Foundation
import Testing
import WhetCore
@testable import WhetProviders
@testable import WhetServer
import WhetStore

/// The libcurl client against `whet serve` on a real loopback socket (deterministic stand-in backend;
/// the real model is in LiveModelTests).
@Suite struct LoopbackClientTests {
    @Test func clientAndInProcessProviderAgree() async throws {
        let backend = DeterministicBackend()
        let local = LocalProvider(backend: backend)
        let requests: [ProviderRequest] = [
            .chat([.system("Be brief."), .user("Name a colour.")], GenerationOptions(maxTokens: 5, logprobs: true, topLogprobs: 3)),
            .chat([.user("Sample")], GenerationOptions(n: 3, temperature: 0.9, maxTokens: 4, seed: 11)),
            .completion("The capital of France is", GenerationOptions(maxTokens: 6, logprobs: true, topLogprobs: 2)),
        ]
        try await withLiveServer(backend: backend) { port in
            let remote = client(port: port)
            for request in requests {
                let overHTTP = try await remote.complete(request)
                let inProcess = try await local.complete(request)
                #expect(overHTTP.choices == inProcess.choices)
                #expect(overHTTP.usage == inProcess.usage)
                #expect(overHTTP.model == "smol-test")
            }
            let statistics = await remote.statistics()
            #expect(statistics.attempts == requests.count)
            #expect(statistics.successes == requests.count)
        }
    }

    @Test func concurrentRequestsShareDecodingBatches() async throws {
        let backend = DeterministicBackend(batchDelay: 0.05)
        try await withLiveServer(backend: backend, maxBatch: 8) { port in
            let remote = client(port: port)
            let texts = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<24 {
                    group.addTask {
                        try await remote.complete(.chat([.user("request \(index)")], GenerationOptions(maxTokens: 3))).text
                    }
                }
                var texts: [String] = []
                for try await text in group { texts.append(text) }
                return texts
            }
            #expect(texts.count == 24)
            #expect(texts.allSatisfy { !$0.isEmpty })
        }
        let sizes = backend.batchSizes
        #expect(sizes.reduce(0, +) == 24)
        #expect(sizes.max() ?? 0 > 1)
        #expect(sizes.allSatisfy { $0 <= 8 })
    }

    @Test func aSecondIdenticalRunAgainstTheServerMakesNoCalls() async throws {
        let backend = DeterministicBackend()
        let cachePath = FileManager.default.temporaryDirectory.appendingPathComponent("whet-serve-cache-\(UUID().uuidString).sqlite").path
        try await withLiveServer(backend: backend) { port in
            let requests = (0..<5).map { ProviderRequest.chat([.user("question \($0)")], GenerationOptions(maxTokens: 3)) }
            for _ in 0..<2 {
                let managed = ManagedProvider(base: client(port: port), cache: SQLiteResponseCache(store: try LineageStore(path: cachePath)))
                for request in requests { _ = try await managed.complete(request) }
            }
        }
        #expect(backend.batchSizes.reduce(0, +) == 5)
    }

    @Test func choiceByLogprobsOverHTTP() async throws {
        let backend = DeterministicBackend()
        let prompt = [ChatMessage.user("Pick one")]
        let rendered = try backend.renderChat(prompt)
        let job = LocalGenerationJob(prompt: rendered, temperature: 0, topP: 1, maxTokens: 1, stop: [], seed: 0, topLogprobs: 20)
        let first = DeterministicBackend.vocabulary[DeterministicBackend.word(prompt: rendered, position: 0, job: job)]
        let other = DeterministicBackend.vocabulary.first { $0 != first }!
        try await withLiveServer(backend: backend) { port in
            let choice = try await client(port: port).choose(among: [other, first], for: .chat(prompt))
            #expect(choice.method == .logprobs)
            #expect(choice.label == first)
        }
    }
}
