import Foundation
import Logging
import WhetCore

/// Any OpenAI-compatible HTTP endpoint (OpenAI, vLLM, llama.cpp server, Ollama, `whet serve`), with
/// retries, per-endpoint adaptive concurrency and load balancing over several URLs.
public final class OpenAICompatibleProvider: ModelProvider {
    public let configuration: RemoteEndpointConfiguration
    public let pool: EndpointPool
    private let transport: HTTPTransport
    private let counters = StatisticsCounter()
    private let logger: Logger

    public var modelName: String { configuration.model }

    public init(configuration: RemoteEndpointConfiguration, transport: HTTPTransport = CurlTransport(),
                logger: Logger = Logger(label: "whet.providers.remote")) {
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
        pool = EndpointPool(baseURLs: configuration.baseURLs, maxConcurrencyPerEndpoint: configuration.maxConcurrency,
                            failuresBeforeCooldown: configuration.failuresBeforeCooldown,
                            baseCooldown: configuration.cooldown)
    }

    public func statistics() async -> NetworkStatistics { await counters.snapshot() }

    public func complete(_ request: ProviderRequest) async throws -> ProviderResponse {
        guard request.options.n >= 1 else { throw ProviderError.invalidRequest(reason: "n must be at least 1") }
        let (path, body) = try encodeBody(request)
        let started = Date()
        let decoded = try await send(path: path, body: body, isChat: { if case .chat = request.input { true } else { false } }())
        return ProviderResponse(model: configuration.model, choices: decoded.choices, usage: decoded.usage,
                                latency: Date().timeIntervalSince(started))
    }

    /// By the top log-probabilities of the first generated token when the endpoint has them; a label
    /// absent from the top alternatives falls back to generating and parsing.
    public func choose(among labels: [String], for input: ProviderInput) async throws -> LabelChoice {
        guard configuration.supportsLogprobs else { return try await chooseByGenerating(among: labels, for: input) }
        let options = GenerationOptions(n: 1, temperature: 0, maxTokens: 1, logprobs: true, topLogprobs: 20)
        let response = try await complete(ProviderRequest(input: input, options: options))
        guard let alternatives = response.choices.first?.logprobs?.first?.topAlternatives,
              let probabilities = LabelParser.probabilities(from: alternatives, labels: labels),
              let best = labels.max(by: { probabilities[$0]! < probabilities[$1]! }) else {
            var fallback = try await chooseByGenerating(among: labels, for: input)
            fallback.usage = fallback.usage + response.usage
            return fallback
        }
        return LabelChoice(label: best, probabilities: probabilities, method: .logprobs, usage: response.usage)
    }

    private func encodeBody(_ request: ProviderRequest) throws -> (String, Data) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        switch request.input {
        case .chat(let messages):
            let body = ChatCompletionRequestBody(model: configuration.model,
                                                 messages: messages.map(WireChatMessage.init),
                                                 options: request.options)
            return ("/chat/completions", try encoder.encode(body))
        case .completion(let prompt):
            let body = CompletionRequestBody(model: configuration.model, prompt: prompt, options: request.options)
            return ("/completions", try encoder.encode(body))
        }
    }

    private func headers() throws -> [String: String] {
        var headers = ["Content-Type": "application/json", "Accept": "application/json"]
        if let variable = configuration.apiKeyEnvironmentVariable {
            // Read per call and kept nowhere else, so the key is in no log, cache entry or error.
            guard let key = ProcessInfo.processInfo.environment[variable], !key.isEmpty else {
                throw ProviderError.missingAPIKey(model: configuration.name, environmentVariable: variable)
            }
            headers["Authorization"] = "Bearer \(key)"
        }
        return headers
    }

    /// The retry loop: one endpoint per attempt, a slot of its limiter held for the exchange.
    private func send(path: String, body: Data, isChat: Bool) async throws -> (choices: [ProviderChoice], usage: TokenUsage) {
        let headers = try headers()
        let policy = configuration.retry
        var lastFailure = "none"
        var avoiding: Int?
        for attempt in 1...max(1, policy.maxAttempts) {
            try Task.checkCancellation()
            let index = await pool.pick(avoiding: avoiding)
            let endpoint = pool.endpoints[index]
            let url = endpoint.baseURL + path
            await endpoint.limiter.acquire()
            await counters.record { $0.attempts += 1; if attempt > 1 { $0.retries += 1 } }
            let outcome = await exchange(HTTPRequest(url: url, method: "POST", headers: headers, body: body,
                                                     connectTimeout: configuration.connectTimeout,
                                                     totalTimeout: configuration.timeout), isChat: isChat)
            switch outcome {
            case .success(let choices, let usage):
                await endpoint.limiter.release(.success)
                await pool.reportSuccess(index)
                await counters.record { $0.successes += 1; $0.usage = $0.usage + usage }
                return (choices, usage)
            case .fatal(let error):
                await endpoint.limiter.release(.failure)
                await pool.reportNeutral(index)
                throw error
            case .retry(let reason, let retryAfter, let overloaded, let endpointUnwell):
                await endpoint.limiter.release(overloaded ? .overloaded : .failure)
                if endpointUnwell { await pool.reportFailure(index) } else { await pool.reportNeutral(index) }
                lastFailure = reason
                avoiding = endpointUnwell ? index : nil
                logger.debug("retrying", metadata: ["url": "\(url)", "attempt": "\(attempt)", "reason": "\(reason)"])
                guard attempt < policy.maxAttempts else { break }
                if let retryAfter, retryAfter > policy.maxRetryAfter {
                    throw ProviderError.retriesExhausted(endpoint: url, attempts: attempt,
                                                         last: "\(reason); Retry-After \(retryAfter) s exceeds the \(policy.maxRetryAfter) s limit")
                }
                let delay = policy.delay(afterAttempt: attempt, retryAfter: retryAfter)
                try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            }
        }
        throw ProviderError.retriesExhausted(endpoint: configuration.baseURLs.joined(separator: ", ") + path,
                                             attempts: policy.maxAttempts, last: lastFailure)
    }

    private enum ExchangeOutcome {
        case success([ProviderChoice], TokenUsage)
        case retry(reason: String, retryAfter: Double?, overloaded: Bool, endpointUnwell: Bool)
        case fatal(Error)
    }

    private func exchange(_ request: HTTPRequest, isChat: Bool) async -> ExchangeOutcome {
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch TransportFailure.timedOut(let seconds) {
            await counters.record { $0.timeouts += 1 }
            return .retry(reason: ProviderError.timedOut(endpoint: request.url, seconds: seconds).localizedDescription,
                          retryAfter: nil, overloaded: false, endpointUnwell: true)
        } catch TransportFailure.connection(let code, let message) {
            await counters.record { $0.connectionFailures += 1 }
            return .retry(reason: ProviderError.transport(endpoint: request.url, code: code, message: message).localizedDescription,
                          retryAfter: nil, overloaded: false, endpointUnwell: true)
        } catch {
            return .fatal(error is TransportFailure ? CancellationError() : error)
        }
        let retryAfter = RetryPolicy.retryAfterSeconds(headers: response.headers)
        switch response.status {
        case 200..<300:
            do {
                let (choices, usage) = try ResponseDecoding.decode(response.body, isChat: isChat, endpoint: request.url)
                return .success(choices, usage)
            } catch let error as ProviderError {
                await counters.record { $0.malformedResponses += 1 }
                return .retry(reason: error.localizedDescription, retryAfter: nil, overloaded: false, endpointUnwell: false)
            } catch {
                return .fatal(error)
            }
        case 429:
            await counters.record { $0.rateLimited += 1 }
            return .retry(reason: "HTTP 429 from \(request.url)", retryAfter: retryAfter, overloaded: true, endpointUnwell: false)
        case 408, 409, 500...599:
            await counters.record { $0.serverErrors += 1 }
            return .retry(reason: "HTTP \(response.status) from \(request.url)", retryAfter: retryAfter,
                          overloaded: false, endpointUnwell: response.status >= 500)
        default:
            let text = String(decoding: response.body, as: UTF8.self)
            return .fatal(ProviderError.httpStatus(endpoint: request.url, status: response.status, body: text))
        }
    }
}

/// Guards the statistics of a provider shared by many tasks.
actor StatisticsCounter {
    private var value = NetworkStatistics()
    func record(_ change: @Sendable (inout NetworkStatistics) -> Void) { change(&value) }
    func snapshot() -> NetworkStatistics { value }
}
