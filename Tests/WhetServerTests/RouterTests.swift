import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import WhetCore
@testable import WhetProviders
@testable import WhetServer

/// The OpenAI routes driven in process (no socket) over the deterministic stand-in backend.
@Suite struct RouterTests {
    let backend = DeterministicBackend()

    func app() throws -> some ApplicationProtocol {
        try buildApplication(configuration: ServerConfiguration(port: 0, modelID: "smol-test"), provider: LocalProvider(backend: backend))
    }

    static func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    static func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(response.body.readableBytesView))
    }

    @Test func healthAndModels() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("\"ok\""))
            }
            try await client.execute(uri: "/v1/models", method: .get) { response in
                let list = try Self.decode(ModelListBody.self, response)
                #expect(list.object == "list")
                #expect(list.data.map(\.id) == ["smol-test"])
            }
        }
    }

    @Test func chatCompletionWithSamplesAndLogprobs() async throws {
        let body = #"{"model":"smol-test","messages":[{"role":"user","content":"Hi there"}],"n":3,"temperature":0.8,"seed":5,"max_tokens":4,"logprobs":true,"top_logprobs":2}"#
        try await app().test(.router) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: Self.json(body)) { response in
                #expect(response.status == .ok)
                let decoded = try Self.decode(ChatCompletionResponseBody.self, response)
                #expect(decoded.object == "chat.completion")
                #expect(decoded.model == "smol-test")
                #expect(decoded.choices.map(\.index) == [0, 1, 2])
                #expect(Set(decoded.choices.map(\.message.content.text)).count > 1)
                let logprobs = try #require(decoded.choices[0].logprobs?.content)
                #expect(logprobs.count == 4)
                #expect(logprobs.allSatisfy { $0.topLogprobs?.count == 2 })
                let prompt = try backend.countTokens(try backend.renderChat([ChatMessage.user("Hi there")]))
                #expect(decoded.usage?.promptTokens == prompt)
                #expect(decoded.usage?.completionTokens == 12)
            }
        }
    }

    @Test func legacyCompletionWithLogprobsAndStop() async throws {
        let prompt = "Once upon"
        let job = LocalGenerationJob(prompt: prompt, temperature: 0, topP: 1, maxTokens: 8, stop: [], seed: 0, topLogprobs: nil)
        let third = DeterministicBackend.vocabulary[DeterministicBackend.word(prompt: prompt, position: 2, job: job)]
        let body = #"{"model":"x","prompt":"\#(prompt)","max_tokens":8,"temperature":0,"logprobs":1,"stop":"\#(third)"}"#
        try await app().test(.router) { client in
            try await client.execute(uri: "/v1/completions", method: .post, body: Self.json(body)) { response in
                #expect(response.status == .ok)
                let decoded = try Self.decode(CompletionResponseBody.self, response)
                #expect(decoded.object == "text_completion")
                let choice = try #require(decoded.choices.first)
                #expect(choice.finishReason == "stop")
                #expect(choice.text.split(separator: " ").count == 2)
                let logprobs = try #require(choice.logprobs)
                #expect(logprobs.tokens.joined() == choice.text)
                #expect(logprobs.textOffset == [0, logprobs.tokens[0].count])
            }
        }
    }

    @Test func severalPromptsGetConsecutiveIndexes() async throws {
        let body = #"{"model":"x","prompt":["a b","c d e"],"n":2,"max_tokens":2}"#
        try await app().test(.router) { client in
            try await client.execute(uri: "/v1/completions", method: .post, body: Self.json(body)) { response in
                let decoded = try Self.decode(CompletionResponseBody.self, response)
                #expect(decoded.choices.map(\.index) == [0, 1, 2, 3])
                #expect(decoded.usage?.promptTokens == 5)
                #expect(decoded.usage?.completionTokens == 8)
            }
        }
    }

    @Test(arguments: [
        ("/v1/chat/completions", #"{"model":"x","messages":[]}"#, "messages"),
        ("/v1/chat/completions", #"{"model":"x","messages":[{"role":"user","content":"hi"}],"stream":true}"#, "stream"),
        ("/v1/chat/completions", #"{"model":"x","messages":[{"role":"user","content":"hi"}],"n":0}"#, "n"),
        ("/v1/chat/completions", #"{"model":"x","messages":[{"role":"user","content":"hi"}],"top_logprobs":50,"logprobs":true}"#, "top_logprobs"),
        ("/v1/chat/completions", #"{"model":"x","messages":"#, "JSON"),
        ("/v1/chat/completions", #"{"model":"x"}"#, "messages"),
        ("/v1/completions", #"{"model":"x","prompt":"hi","echo":true}"#, "echo"),
        ("/v1/completions", #"{"model":"x","prompt":"hi","max_tokens":0}"#, "max_tokens"),
    ])
    func badRequestsGetAnOpenAIErrorBody(_ uri: String, _ body: String, _ mentioned: String) async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: uri, method: .post, body: Self.json(body)) { response in
                #expect(response.status == .badRequest)
                let error = try Self.decode(ErrorBody.self, response)
                #expect(error.error.type == "invalid_request_error")
                #expect(error.error.message.contains(mentioned) || error.error.param == mentioned)
            }
        }
    }

    @Test func aPromptLongerThanTheContextIsRefused() async throws {
        let long = Array(repeating: "word", count: 600).joined(separator: " ")
        let body = #"{"model":"x","prompt":"\#(long)"}"#
        try await app().test(.router) { client in
            try await client.execute(uri: "/v1/completions", method: .post, body: Self.json(body)) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test func contentAsTypedPartsIsAccepted() async throws {
        let body = #"{"model":"x","messages":[{"role":"user","content":[{"type":"text","text":"Hello"},{"type":"image_url"}]}],"max_tokens":1}"#
        try await app().test(.router) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: Self.json(body)) { response in
                #expect(response.status == .ok)
            }
        }
    }
}
