import Foundation
import Testing
@testable import WhetProviders

@Suite struct ConfigurationTests {
    static let examplePath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/endpoints.yaml").path

    @Test func theDocumentedExampleParses() throws {
        let configuration = try ProvidersConfiguration.load(path: Self.examplePath)
        #expect(configuration.defaultModel == "local")
        #expect(configuration.budget == Budget(maxCostUSD: 2, maxTokens: 5_000_000))
        #expect(configuration.cachePath == ".whet/whet.sqlite")
        #expect(configuration.models.keys.sorted() == ["gpt-4o-mini", "llama3", "local", "qwen-fleet", "whet-serve"])
        guard case .remote(let fleet) = configuration.models["qwen-fleet"] else {
            Issue.record("qwen-fleet should be remote")
            return
        }
        #expect(fleet.baseURLs.count == 2)
        #expect(fleet.maxConcurrency == 32)
        #expect(fleet.retry.maxAttempts == 6)
        #expect(fleet.connectTimeout == 5)
        guard case .remote(let openAI) = configuration.models["gpt-4o-mini"] else {
            Issue.record("gpt-4o-mini should be remote")
            return
        }
        #expect(openAI.apiKeyEnvironmentVariable == "OPENAI_API_KEY")
        #expect(openAI.price == PriceTable(promptPerMillion: 0.15, completionPerMillion: 0.60))
        guard case .remote(let ollama) = configuration.models["llama3"] else {
            Issue.record("llama3 should be remote")
            return
        }
        #expect(!ollama.supportsLogprobs)
    }

    @Test(arguments: [
        ("models:\n  x:\n    provider: openai\n", "models.x.base_url"),
        ("models:\n  x:\n    provider: carrier-pigeon\n", "models.x.provider"),
        ("models:\n  x:\n    base_url: ftp://host/v1\n", "models.x.endpoints"),
        ("models:\n  x:\n    base_url: http://h/v1\n    max_concurrency: 0\n", "models.x.max_concurrency"),
        ("models:\n  x:\n    base_url: http://h/v1\n    max_concurrency: many\n", "models.x.max_concurrency"),
        ("default_model: nowhere\nmodels: {}\n", "default_model"),
        ("budget:\n  max_cost_usd: lots\n", "budget.max_cost_usd"),
    ])
    func aBadFieldIsNamedInTheError(_ yaml: String, _ field: String) {
        #expect {
            try ProvidersConfiguration.parse(yaml, file: "models.yaml")
        } throws: { error in
            guard case .configuration(let file, let reported, _) = error as? ProviderError else { return false }
            return file == "models.yaml" && reported == field
        }
    }
}

@Suite struct ModelSpecifierTests {
    @Test func localNamesTheDefaultModel() throws {
        #expect(try ModelSpecifier.resolve("local") == .local(name: "local", path: nil, price: nil))
    }

    @Test func openAIPrefix() throws {
        guard case .remote(let remote) = try ModelSpecifier.resolve("openai:gpt-4o-mini") else {
            Issue.record("expected a remote model")
            return
        }
        #expect(remote.model == "gpt-4o-mini")
        #expect(remote.baseURLs == ["https://api.openai.com/v1"])
        #expect(remote.apiKeyEnvironmentVariable == "OPENAI_API_KEY")
        #expect(remote.price != nil)
    }

    @Test func urlWithModelFragment() throws {
        guard case .remote(let remote) = try ModelSpecifier.resolve("http://127.0.0.1:8080/v1#smol") else {
            Issue.record("expected a remote model")
            return
        }
        #expect(remote.model == "smol")
        #expect(remote.baseURLs == ["http://127.0.0.1:8080/v1"])
        #expect(remote.apiKeyEnvironmentVariable == nil)
    }

    @Test func ggufPath() throws {
        let path = temporaryPath("tiny.gguf")
        FileManager.default.createFile(atPath: path, contents: Data("GGUF".utf8))
        #expect(try ModelSpecifier.resolve(path) == .local(name: "tiny.gguf", path: path, price: nil))
    }

    @Test func aConfiguredNameWins() throws {
        let configuration = try ProvidersConfiguration.parse("models:\n  local:\n    path: /models/x.gguf\n")
        #expect(try ModelSpecifier.resolve("local", configuration: configuration)
            == .local(name: "local", path: "/models/x.gguf", price: nil))
    }

    @Test(arguments: ["", "http://127.0.0.1:8080/v1", "gopher:thing", "openai:", "missing/model.gguf", "no-such-model"])
    func badSpecifiersAreRefused(_ spec: String) {
        #expect(throws: ProviderError.self) { try ModelSpecifier.resolve(spec) }
    }
}

@Suite struct LabelChoiceTests {
    @Test(arguments: [
        ("Positive.", ["positive", "negative"], "positive"),
        ("  NEGATIVE – clearly", ["positive", "negative"], "negative"),
        ("The answer is: not spam", ["spam", "not spam"], "not spam"),
        ("I think it is B, not A", ["A", "B"], "B"),
    ])
    func parsesGeneratedReplies(_ reply: String, _ labels: [String], _ expected: String) {
        #expect(LabelParser.firstLabel(in: reply, among: labels) == expected)
    }

    @Test func noLabelInTheReplyIsNil() {
        #expect(LabelParser.firstLabel(in: "I cannot say", among: ["yes", "no"]) == nil)
    }

    @Test func remoteChoiceUsesTopLogprobs() async throws {
        let server = try FaultInjectingServer()
        defer { server.stop() }
        let provider = testRemote([server.baseURL])
        let choice = try await provider.choose(among: ["Positive", "Negative"], for: .chat([.user("Great film!")]))
        #expect(choice.method == .logprobs)
        #expect(choice.label == "Positive")
        let expected = exp(-0.2) / (exp(-0.2) + exp(-1.8))
        #expect(abs((choice.probabilities["Positive"] ?? 0) - expected) < 1e-9)
        let sent = try #require(server.requestBodies.first)
        #expect(sent.contains("\"top_logprobs\":20"))
        #expect(sent.contains("\"max_tokens\":1"))
    }

    @Test func withoutLogprobsTheChoiceIsGeneratedAndParsed() async throws {
        let server = try FaultInjectingServer()
        defer { server.stop() }
        var configuration = testRemote([server.baseURL]).configuration
        configuration.supportsLogprobs = false
        let provider = OpenAICompatibleProvider(configuration: configuration)
        // The test server always answers "answer 0".
        let choice = try await provider.choose(among: ["question", "answer"], for: .chat([.user("Which?")]))
        #expect(choice.method == .generated)
        #expect(choice.label == "answer")
        await #expect(throws: ProviderError.self) {
            try await provider.choose(among: ["yes", "no"], for: .chat([.user("Which?")]))
        }
    }
}
