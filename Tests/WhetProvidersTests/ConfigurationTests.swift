import Foundation
import Testing
import WhetCore
@testable import WhetProviders

@Suite struct ConfigurationTests {
    static let examplePath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/endpoints.yaml").path

    @Test func theDocumentedExampleParses() throws {
        let configuration = try ProvidersConfiguration.load(path: Self.examplePath)
        #expect(configuration.defaultModel == .embeddedDefault)
        #expect(configuration.budget == Budget(maxTokens: 5_000_000, maxCostUSD: 2))
        #expect(configuration.models.keys.sorted() == ["gpt-4o-mini", "llama3", "local", "qwen-fleet", "whet-serve"])
        let fleet = try #require(configuration.models["qwen-fleet"])
        guard case .endpoint(let endpoint) = fleet.spec else {
            Issue.record("qwen-fleet should be an endpoint")
            return
        }
        #expect(endpoint.baseURLs.count == 2)
        #expect(fleet.connection.maxConcurrency == 32)
        #expect(fleet.connection.retry.maxAttempts == 6)
        #expect(fleet.connection.connectTimeout == 5)
        let openAI = try #require(configuration.models["gpt-4o-mini"])
        #expect(openAI.spec == .endpoint(ModelSpec.Endpoint(baseURLs: ["https://api.openai.com/v1"], model: "gpt-4o-mini",
                                                             apiKeyEnv: "OPENAI_API_KEY")))
        #expect(openAI.price == PriceTable(promptPerMillion: 0.15, completionPerMillion: 0.60))
        guard case .endpoint(let ollama) = configuration.models["llama3"]?.spec else {
            Issue.record("llama3 should be an endpoint")
            return
        }
        #expect(!ollama.supportsLogprobs)
        // Paths in the file resolve against its folder, like a task file's.
        guard case .local(let path?) = configuration.models["local"]?.spec else {
            Issue.record("local should be a GGUF path")
            return
        }
        #expect(path.hasSuffix("/models/SmolLM2-135M-Instruct.Q4_1.gguf") && !path.contains(".."))
    }

    @Test(arguments: [
        ("models:\n  x:\n    provider: openai\n", "models.x.base_url", 3),
        ("models:\n  x:\n    provider: carrier-pigeon\n", "models.x.provider", 3),
        ("models:\n  x:\n    base_url: ftp://host/v1\n    model: m\n", "models.x.base_url", 3),
        ("models:\n  x:\n    base_url: http://h/v1\n    model: m\n    max_concurrency: 0\n", "models.x.max_concurrency", 5),
        ("models:\n  x:\n    base_url: http://h/v1\n    model: m\n    max_concurrency: many\n", "models.x.max_concurrency", 5),
        ("models:\n  x:\n    base_url: http://h/v1\n", "models.x.model", 3),
        ("default_model: nowhere\nmodels: {}\n", "default_model", 1),
        ("budget:\n  max_cost_usd: lots\n", "budget.max_cost_usd", 2),
        ("cache:\n  path: x.sqlite\n", "cache", 2),
    ])
    func aBadFieldIsNamedInTheError(_ yaml: String, _ field: String, _ line: Int) {
        #expect {
            try ProvidersConfiguration.parse(yaml, file: "models.yaml")
        } throws: { error in
            guard let error = error as? FileFormatError else { return false }
            return error.file == "models.yaml" && error.field == field && error.line == line
        }
    }
}

@Suite struct ProviderResolutionTests {
    @Test func aConfiguredLocalEntryIsWhatLocalMeans() throws {
        let configuration = try ProvidersConfiguration.parse("models:\n  local:\n    path: /models/x.gguf\n")
        #expect(try ProviderFactory.resolve(.embeddedDefault, configuration: configuration).spec == .local(path: "/models/x.gguf"))
        #expect(try ProviderFactory.resolve(.named("local"), configuration: configuration).spec == .local(path: "/models/x.gguf"))
    }

    @Test func anUnconfiguredNameIsAClearError() {
        #expect(throws: ModelSpecError.self) { try ProviderFactory.resolve(.named("no-such-model"), configuration: ProvidersConfiguration()) }
    }

    @Test func openAIGetsItsListPrice() throws {
        let (provider, price) = try ProviderFactory.makeBase(spec: try ModelSpec.parse("openai:gpt-4o-mini"))
        #expect(price == ProviderFactory.knownOpenAIPrices["gpt-4o-mini"])
        let remote = try #require(provider as? OpenAICompatibleProvider)
        #expect(remote.configuration.apiKeyEnvironmentVariable == "OPENAI_API_KEY")
    }

    @Test func aMissingGGUFIsAClearError() {
        #expect(throws: ProviderError.self) {
            try ProviderFactory.makeBase(spec: .local(path: "/nowhere/missing.gguf"))
        }
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
        // A reply naming no label is an answer to score as wrong, not an error that ends a run.
        let unparsed = try await provider.choose(among: ["yes", "no"], for: .chat([.user("Which?")]))
        #expect(unparsed.method == .unparsed)
        #expect(unparsed.label.isEmpty)
        #expect(unparsed.answerText == "answer 0")
        #expect(unparsed.probabilities == ["yes": 0, "no": 0])
        #expect(unparsed.usage.totalTokens > 0)
    }
}
