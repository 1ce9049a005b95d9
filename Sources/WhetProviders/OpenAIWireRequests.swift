import Foundation
import WhetCore

// The OpenAI HTTP API's request bodies, shared by the remote client and `whet serve` so the two
// cannot drift apart. Decoding is lenient where real clients differ (string-or-array fields).

/// `stop` is a string or an array of strings.
public struct StopSequences: Codable, Hashable, Sendable {
    public var values: [String]

    public init(_ values: [String]) { self.values = values }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            values = []
        } else if let single = try? container.decode(String.self) {
            values = [single]
        } else {
            values = try container.decode([String].self)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(values)
    }
}

/// A chat message's content: a string, null, or an array of typed parts of which the text ones are kept.
public struct WireMessageContent: Codable, Hashable, Sendable {
    public var text: String

    public init(_ text: String) { self.text = text }

    private struct Part: Codable { var type: String; var text: String? }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            text = ""
        } else if let string = try? container.decode(String.self) {
            text = string
        } else {
            let parts = try container.decode([Part].self)
            text = parts.compactMap { $0.type == "text" ? $0.text : nil }.joined()
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

public struct WireChatMessage: Codable, Hashable, Sendable {
    public var role: String
    public var content: WireMessageContent

    public init(role: String, content: String) {
        self.role = role
        self.content = WireMessageContent(content)
    }

    public init(_ message: ChatMessage) {
        self.init(role: message.role.rawValue, content: message.content)
    }

    /// The message as Whetstone models it; OpenAI's `developer` role is its newer name for `system`.
    public func chatMessage() throws -> ChatMessage {
        guard let role = role == "developer" ? .system : ChatMessage.Role(rawValue: role) else {
            throw ProviderError.invalidRequest(reason: "unknown message role '\(role)'; expected system, user or assistant")
        }
        return ChatMessage(role: role, content: content.text)
    }
}

public struct ChatCompletionRequestBody: Codable, Hashable, Sendable {
    public var model: String
    public var messages: [WireChatMessage]
    public var n: Int?
    public var temperature: Double?
    public var topP: Double?
    public var maxTokens: Int?
    public var maxCompletionTokens: Int?
    public var stop: StopSequences?
    public var seed: UInt64?
    public var logprobs: Bool?
    public var topLogprobs: Int?
    public var stream: Bool?

    enum CodingKeys: String, CodingKey {
        case model, messages, n, temperature, stop, seed, logprobs, stream
        case topP = "top_p"
        case maxTokens = "max_tokens"
        case maxCompletionTokens = "max_completion_tokens"
        case topLogprobs = "top_logprobs"
    }

    public init(model: String, messages: [WireChatMessage], options: GenerationOptions) {
        self.model = model
        self.messages = messages
        n = options.n
        temperature = options.temperature
        topP = options.topP
        maxTokens = options.maxTokens
        stop = options.stop.isEmpty ? nil : StopSequences(options.stop)
        seed = options.seed
        logprobs = options.logprobs ? true : nil
        topLogprobs = options.logprobs && options.topLogprobs > 0 ? options.topLogprobs : nil
    }

    /// The options this body asks for, with OpenAI's defaults where a field is absent.
    public var options: GenerationOptions {
        GenerationOptions(n: n ?? 1, temperature: temperature ?? 1, topP: topP ?? 1,
                          maxTokens: maxCompletionTokens ?? maxTokens ?? 256, stop: stop?.values ?? [],
                          seed: seed, logprobs: logprobs ?? false, topLogprobs: topLogprobs ?? 0)
    }
}

/// `prompt` is a string or an array of strings.
public struct PromptList: Codable, Hashable, Sendable {
    public var values: [String]

    public init(_ values: [String]) { self.values = values }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let single = try? container.decode(String.self) {
            values = [single]
        } else {
            values = try container.decode([String].self)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if values.count == 1 { try container.encode(values[0]) } else { try container.encode(values) }
    }
}

public struct CompletionRequestBody: Codable, Hashable, Sendable {
    public var model: String
    public var prompt: PromptList
    public var n: Int?
    public var temperature: Double?
    public var topP: Double?
    public var maxTokens: Int?
    public var stop: StopSequences?
    public var seed: UInt64?
    /// The legacy API's integer: how many alternatives per token (0 = chosen token only).
    public var logprobs: Int?
    public var echo: Bool?
    public var stream: Bool?

    enum CodingKeys: String, CodingKey {
        case model, prompt, n, temperature, stop, seed, logprobs, echo, stream
        case topP = "top_p"
        case maxTokens = "max_tokens"
    }

    public init(model: String, prompt: String, options: GenerationOptions) {
        self.model = model
        self.prompt = PromptList([prompt])
        n = options.n
        temperature = options.temperature
        topP = options.topP
        maxTokens = options.maxTokens
        stop = options.stop.isEmpty ? nil : StopSequences(options.stop)
        seed = options.seed
        logprobs = options.logprobs ? options.topLogprobs : nil
    }

    /// The legacy completions API defaults to 16 tokens and temperature 1.
    public var options: GenerationOptions {
        GenerationOptions(n: n ?? 1, temperature: temperature ?? 1, topP: topP ?? 1, maxTokens: maxTokens ?? 16,
                          stop: stop?.values ?? [], seed: seed, logprobs: logprobs != nil,
                          topLogprobs: logprobs ?? 0)
    }
}
