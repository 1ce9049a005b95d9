import Foundation
import WhetCore

/// The chat formats we render natively, recognised from the file's Jinja
/// `tokenizer.chat_template` (we do not run Jinja). The output is the text that
/// Hugging Face's `apply_chat_template(tokenize=False)` produces; encode it with
/// special tokens parsed and no extra BOS.
public enum ChatTemplate: Sendable, Equatable {
    /// `<|im_start|>role\ncontent<|im_end|>\n`, generation prompt `<|im_start|>assistant\n`
    /// (SmolLM2, Qwen). `defaultSystem` is the system turn the template injects when
    /// the conversation does not start with one.
    case chatML(defaultSystem: String?)
    /// `<|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>` with trimmed
    /// content, preceded by the BOS text when the template emits `bos_token` (Llama 3.0;
    /// 3.1's date/tool system preamble is not reproduced).
    case llama3(bosText: String?)

    /// Recognises the template family; nil for formats we do not render.
    ///
    /// SmolLM2's and Qwen's templates inject a default system message when the first
    /// message is not `system`. We reproduce that (the literal is read from the
    /// template), because it is what the models were tuned on and what Jinja-based
    /// runtimes (transformers, llama-cpp-python) send; llama.cpp's built-in ChatML
    /// fallback omits it. Use `.chatML(defaultSystem: nil)` for that behaviour.
    public init?(jinja template: String, bosText: String? = "<|begin_of_text|>") {
        if template.contains("<|im_start|>") {
            let injects = template.contains("!= 'system'") || template.contains("!= \"system\"")
                || template.contains("== 'system'") || template.contains("== \"system\"")
            self = .chatML(defaultSystem: injects ? Self.literalDefaultSystem(in: template) : nil)
        } else if template.contains("<|start_header_id|>") {
            self = .llama3(bosText: template.contains("bos_token") ? bosText : nil)
        } else {
            return nil
        }
    }

    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        var out = ""
        switch self {
        case .chatML(let defaultSystem):
            if let defaultSystem, let first = messages.first, first.role != .system {
                out += "<|im_start|>system\n\(defaultSystem)<|im_end|>\n"
            }
            for m in messages { out += "<|im_start|>\(m.role.rawValue)\n\(m.content)<|im_end|>\n" }
            if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        case .llama3(let bosText):
            if let bosText, !messages.isEmpty { out += bosText }
            for m in messages {
                let content = m.content.trimmingCharacters(in: .whitespacesAndNewlines)
                out += "<|start_header_id|>\(m.role.rawValue)<|end_header_id|>\n\n\(content)<|eot_id|>"
            }
            if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
        }
        return out
    }

    /// The first `<|im_start|>system` + newline + plain literal + `<|im_end|>` in the
    /// template source; the newline may be literal or the two characters `\n` of a
    /// Jinja string. Literals containing template syntax are skipped.
    static func literalDefaultSystem(in template: String) -> String? {
        let marker = "<|im_start|>system"
        var rest = template[...]
        while let found = rest.range(of: marker) {
            var body = rest[found.upperBound...]
            if body.hasPrefix("\\n") {
                body = body.dropFirst(2)
            } else if body.hasPrefix("\n") {
                body = body.dropFirst()
            } else {
                rest = body
                continue
            }
            if let end = body.range(of: "<|im_end|>") {
                let literal = body[..<end.lowerBound]
                if !literal.isEmpty, !literal.contains(where: { "{}'\"+".contains($0) }) {
                    return String(literal).replacingOccurrences(of: "\\n", with: "\n")
                }
            }
            rest = body
        }
        return nil
    }
}
