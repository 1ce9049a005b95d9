import Foundation

// The OpenAI HTTP API's response bodies, shared by the remote client and `whet serve`.

public struct WireUsage: Codable, Hashable, Sendable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case totalTokens = "total_tokens"
    }

    public init(_ usage: TokenUsage) {
        promptTokens = usage.promptTokens
        completionTokens = usage.completionTokens
        totalTokens = usage.totalTokens
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        promptTokens = try container.decodeIfPresent(Int.self, forKey: .promptTokens) ?? 0
        completionTokens = try container.decodeIfPresent(Int.self, forKey: .completionTokens) ?? 0
        totalTokens = try container.decodeIfPresent(Int.self, forKey: .totalTokens) ?? promptTokens + completionTokens
    }

    public var tokenUsage: TokenUsage { TokenUsage(promptTokens: promptTokens, completionTokens: completionTokens) }
}

public struct WireTopLogprob: Codable, Hashable, Sendable {
    public var token: String
    public var logprob: Double
    public var bytes: [UInt8]?

    public init(token: String, logprob: Double) {
        self.token = token
        self.logprob = logprob
        bytes = Array(token.utf8)
    }
}

public struct WireTokenLogprob: Codable, Hashable, Sendable {
    public var token: String
    public var logprob: Double
    public var bytes: [UInt8]?
    public var topLogprobs: [WireTopLogprob]?

    enum CodingKeys: String, CodingKey {
        case token, logprob, bytes
        case topLogprobs = "top_logprobs"
    }

    public init(_ value: TokenLogprob) {
        token = value.token
        logprob = value.logprob
        bytes = Array(value.token.utf8)
        topLogprobs = value.topAlternatives.map { WireTopLogprob(token: $0.token, logprob: $0.logprob) }
    }

    public var tokenLogprob: TokenLogprob {
        TokenLogprob(token: token, logprob: logprob,
                     topAlternatives: (topLogprobs ?? []).map { TokenAlternative(token: $0.token, logprob: $0.logprob) })
    }
}

public struct WireChatLogprobs: Codable, Hashable, Sendable {
    public var content: [WireTokenLogprob]?
}

public struct WireChatChoice: Codable, Hashable, Sendable {
    public var index: Int
    public var message: WireChatMessage
    public var finishReason: String?
    public var logprobs: WireChatLogprobs?

    enum CodingKeys: String, CodingKey {
        case index, message, logprobs
        case finishReason = "finish_reason"
    }

    public init(_ choice: ProviderChoice) {
        index = choice.index
        message = WireChatMessage(role: "assistant", content: choice.text)
        finishReason = choice.finishReason
        logprobs = choice.logprobs.map { WireChatLogprobs(content: $0.map(WireTokenLogprob.init)) }
    }
}

public struct ChatCompletionResponseBody: Codable, Hashable, Sendable {
    public var id: String
    public var object: String
    public var created: Int
    public var model: String
    public var choices: [WireChatChoice]
    public var usage: WireUsage?

    public init(id: String, created: Int, model: String, choices: [WireChatChoice], usage: WireUsage?) {
        self.id = id
        object = "chat.completion"
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }
}

/// The legacy completions API's logprobs: parallel arrays, alternatives as token-to-logprob maps.
public struct WireCompletionLogprobs: Codable, Hashable, Sendable {
    public var tokens: [String]
    public var tokenLogprobs: [Double?]
    public var topLogprobs: [[String: Double]?]?
    public var textOffset: [Int]?

    enum CodingKeys: String, CodingKey {
        case tokens
        case tokenLogprobs = "token_logprobs"
        case topLogprobs = "top_logprobs"
        case textOffset = "text_offset"
    }

    public init(_ values: [TokenLogprob], textOffsetBase: Int = 0) {
        tokens = values.map(\.token)
        tokenLogprobs = values.map(\.logprob)
        topLogprobs = values.map { value in
            Dictionary(value.topAlternatives.map { ($0.token, $0.logprob) }, uniquingKeysWith: { first, _ in first })
        }
        var offsets: [Int] = []
        var offset = textOffsetBase
        for value in values {
            offsets.append(offset)
            offset += value.token.count
        }
        textOffset = offsets
    }

    public var tokenLogprobValues: [TokenLogprob] {
        tokens.enumerated().map { index, token in
            let alternatives = (topLogprobs?[safe: index] ?? nil) ?? [:]
            return TokenLogprob(token: token, logprob: tokenLogprobs[safe: index].flatMap { $0 } ?? 0,
                                topAlternatives: alternatives.map { TokenAlternative(token: $0.key, logprob: $0.value) }
                                    .sorted { $0.logprob > $1.logprob })
        }
    }
}

public struct WireCompletionChoice: Codable, Hashable, Sendable {
    public var index: Int
    public var text: String
    public var finishReason: String?
    public var logprobs: WireCompletionLogprobs?

    enum CodingKeys: String, CodingKey {
        case index, text, logprobs
        case finishReason = "finish_reason"
    }

    public init(_ choice: ProviderChoice) {
        index = choice.index
        text = choice.text
        finishReason = choice.finishReason
        logprobs = choice.logprobs.map { WireCompletionLogprobs($0) }
    }
}

public struct CompletionResponseBody: Codable, Hashable, Sendable {
    public var id: String
    public var object: String
    public var created: Int
    public var model: String
    public var choices: [WireCompletionChoice]
    public var usage: WireUsage?

    public init(id: String, created: Int, model: String, choices: [WireCompletionChoice], usage: WireUsage?) {
        self.id = id
        object = "text_completion"
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }
}

public struct WireModel: Codable, Hashable, Sendable {
    public var id: String
    public var object: String
    public var created: Int
    public var ownedBy: String

    enum CodingKeys: String, CodingKey {
        case id, object, created
        case ownedBy = "owned_by"
    }

    public init(id: String, created: Int, ownedBy: String) {
        self.id = id
        object = "model"
        self.created = created
        self.ownedBy = ownedBy
    }
}

public struct ModelListBody: Codable, Hashable, Sendable {
    public var object: String
    public var data: [WireModel]

    public init(data: [WireModel]) {
        object = "list"
        self.data = data
    }
}

/// `{"error": {...}}`, the body OpenAI-compatible servers send with a 4xx/5xx.
public struct ErrorBody: Codable, Hashable, Sendable {
    public struct Detail: Codable, Hashable, Sendable {
        public var message: String
        public var type: String
        public var param: String?
        public var code: String?
    }

    public var error: Detail

    public init(message: String, type: String, param: String? = nil, code: String? = nil) {
        error = Detail(message: message, type: type, param: param, code: code)
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
