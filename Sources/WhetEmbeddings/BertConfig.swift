import Foundation

/// The shape of a BERT encoder, from Hugging Face `config.json`, and the sentence-transformers
/// sequence limit from `sentence_bert_config.json` (256 for all-MiniLM-L6-v2, below BERT's 512).
public struct BertConfig: Sendable, Equatable {
    public var vocabularySize: Int
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var typeVocabularySize: Int
    public var layerNormEpsilon: Float
    /// Longest input, `[CLS]` and `[SEP]` included, that embeddings are computed over.
    public var maxSequenceLength: Int

    public var headSize: Int { hiddenSize / headCount }

    public init(directory: URL) throws {
        let url = directory.appendingPathComponent("config.json")
        let path = url.path
        guard let data = FileManager.default.contents(atPath: path) else { throw EmbeddingError.fileMissing(path: path) }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw EmbeddingError.malformedConfig(path: path, field: "(root)", expected: "a JSON object")
        }
        func int(_ field: String) throws -> Int {
            guard let value = json[field] as? NSNumber, value.intValue > 0 else {
                throw EmbeddingError.malformedConfig(path: path, field: field, expected: "a positive integer")
            }
            return value.intValue
        }
        if let type = json["model_type"] as? String, type != "bert" {
            throw EmbeddingError.malformedConfig(path: path, field: "model_type", expected: "\"bert\" (found \"\(type)\")")
        }
        if let act = json["hidden_act"] as? String, act != "gelu" {
            throw EmbeddingError.malformedConfig(path: path, field: "hidden_act", expected: "\"gelu\" (found \"\(act)\")")
        }
        vocabularySize = try int("vocab_size")
        hiddenSize = try int("hidden_size")
        layerCount = try int("num_hidden_layers")
        headCount = try int("num_attention_heads")
        intermediateSize = try int("intermediate_size")
        maxPositions = try int("max_position_embeddings")
        typeVocabularySize = try int("type_vocab_size")
        layerNormEpsilon = (json["layer_norm_eps"] as? NSNumber)?.floatValue ?? 1e-12
        guard hiddenSize % headCount == 0 else {
            throw EmbeddingError.malformedConfig(path: path, field: "num_attention_heads", expected: "a divisor of hidden_size")
        }
        maxSequenceLength = maxPositions
        let sentenceConfig = directory.appendingPathComponent("sentence_bert_config.json")
        if let data = FileManager.default.contents(atPath: sentenceConfig.path) {
            guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let limit = (json["max_seq_length"] as? NSNumber)?.intValue, limit > 2
            else {
                throw EmbeddingError.malformedConfig(
                    path: sentenceConfig.path, field: "max_seq_length", expected: "an integer above 2")
            }
            maxSequenceLength = min(limit, maxPositions)
        }
    }
}
