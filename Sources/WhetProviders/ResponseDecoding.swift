import Foundation

/// Turns an OpenAI-compatible response body into choices and usage, with a clear error for each way a
/// body can be broken (not UTF-8, not JSON, cut short, no choices).
enum ResponseDecoding {
    static func decode(_ body: Data, isChat: Bool, endpoint: String) throws -> ([ProviderChoice], TokenUsage) {
        guard String(data: body, encoding: .utf8) != nil else {
            throw ProviderError.malformedResponse(endpoint: endpoint, reason: "body of \(body.count) bytes is not valid UTF-8")
        }
        do {
            if isChat {
                let decoded = try JSONDecoder().decode(ChatCompletionResponseBody.self, from: body)
                guard !decoded.choices.isEmpty else { throw ProviderError.emptyChoices(endpoint: endpoint) }
                let choices = decoded.choices.sorted { $0.index < $1.index }.map { choice in
                    ProviderChoice(index: choice.index, text: choice.message.content.text, finishReason: choice.finishReason,
                                   logprobs: choice.logprobs?.content?.map(\.tokenLogprob))
                }
                return (choices, decoded.usage?.tokenUsage ?? TokenUsage())
            }
            let decoded = try JSONDecoder().decode(CompletionResponseBody.self, from: body)
            guard !decoded.choices.isEmpty else { throw ProviderError.emptyChoices(endpoint: endpoint) }
            let choices = decoded.choices.sorted { $0.index < $1.index }.map { choice in
                ProviderChoice(index: choice.index, text: choice.text, finishReason: choice.finishReason,
                               logprobs: choice.logprobs?.tokenLogprobValues)
            }
            return (choices, decoded.usage?.tokenUsage ?? TokenUsage())
        } catch let error as ProviderError {
            throw error
        } catch let error as DecodingError {
            throw ProviderError.malformedResponse(endpoint: endpoint, reason: describe(error, bytes: body.count))
        }
    }

    private static func describe(_ error: DecodingError, bytes: Int) -> String {
        switch error {
        case .dataCorrupted(let context):
            return "\(bytes) bytes that do not parse as JSON (truncated?): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "missing field '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "unexpected value at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        @unknown default:
            return "\(error)"
        }
    }
}
