import Foundation
import WhetInference

/// The causal LM the compressor scores with, and whose tokens it counts. The
/// in-process engine conforms; the surface is small so any model with prompt
/// log-probabilities could.
public protocol CompressionScoringModel: AnyObject, Sendable {
    var textTokenizer: any Tokenizer { get }
    var contextLength: Int { get }
    /// log p of each continuation token after `prompt` (one forward pass for all).
    func scoreContinuations(prompt: [Int32], continuations: [[Int32]]) throws -> [ContinuationScore]
}

extension LlamaEngine: CompressionScoringModel {
    public var textTokenizer: any Tokenizer { tokenizer }
    public var contextLength: Int { config.contextLength }
}

extension CompressionScoringModel {
    /// Context text as the model reads it: no BOS, special-token strings as plain text.
    func encode(_ text: String) -> [Int32] { textTokenizer.encode(text, addBOS: false, parseSpecial: false) }

    /// The token that starts an otherwise empty prompt (end-of-text, as Selective
    /// Context does), or a newline.
    var startToken: Int32 {
        textTokenizer.eosTokenID ?? textTokenizer.bosTokenID ?? encode("\n").first ?? 0
    }
}
