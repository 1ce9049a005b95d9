import Foundation

/// The encoder's parameters as contiguous float arrays, row-major `[out, in]` as PyTorch stores
/// `nn.Linear` weights. Q, K and V are concatenated at load so each layer runs one projection GEMM.
struct BertWeights: Sendable {
    struct Layer: Sendable {
        var qkv: [Float]          // [3*hidden, hidden]
        var qkvBias: [Float]      // [3*hidden]
        var output: [Float]       // [hidden, hidden]
        var outputBias: [Float]
        var attentionNormGain: [Float]
        var attentionNormBias: [Float]
        var up: [Float]           // [intermediate, hidden]
        var upBias: [Float]
        var down: [Float]         // [hidden, intermediate]
        var downBias: [Float]
        var outputNormGain: [Float]
        var outputNormBias: [Float]
    }

    var wordEmbeddings: [Float]          // [vocab, hidden]
    /// Position embeddings with the (single, type 0) token-type embedding already added.
    var positionAndTypeEmbeddings: [Float] // [maxPositions, hidden]
    var embeddingNormGain: [Float]
    var embeddingNormBias: [Float]
    var layers: [Layer]

    init(file: SafetensorsFile, config c: BertConfig) throws {
        let h = c.hiddenSize, i = c.intermediateSize
        // Checkpoints exported from `BertModel` have no prefix; those from `BertForX` use "bert.".
        let prefix = file.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        func tensor(_ name: String, _ shape: [Int]) throws -> [Float] { try file.floats(prefix + name, shape: shape) }
        wordEmbeddings = try tensor("embeddings.word_embeddings.weight", [c.vocabularySize, h])
        var positions = try tensor("embeddings.position_embeddings.weight", [c.maxPositions, h])
        let types = try tensor("embeddings.token_type_embeddings.weight", [c.typeVocabularySize, h])
        for p in 0..<c.maxPositions { for k in 0..<h { positions[p * h + k] += types[k] } }
        positionAndTypeEmbeddings = positions
        embeddingNormGain = try tensor("embeddings.LayerNorm.weight", [h])
        embeddingNormBias = try tensor("embeddings.LayerNorm.bias", [h])
        layers = try (0..<c.layerCount).map { l in
            let p = "encoder.layer.\(l)."
            return Layer(
                qkv: try ["query", "key", "value"].flatMap { try tensor(p + "attention.self.\($0).weight", [h, h]) },
                qkvBias: try ["query", "key", "value"].flatMap { try tensor(p + "attention.self.\($0).bias", [h]) },
                output: try tensor(p + "attention.output.dense.weight", [h, h]),
                outputBias: try tensor(p + "attention.output.dense.bias", [h]),
                attentionNormGain: try tensor(p + "attention.output.LayerNorm.weight", [h]),
                attentionNormBias: try tensor(p + "attention.output.LayerNorm.bias", [h]),
                up: try tensor(p + "intermediate.dense.weight", [i, h]),
                upBias: try tensor(p + "intermediate.dense.bias", [i]),
                down: try tensor(p + "output.dense.weight", [h, i]),
                downBias: try tensor(p + "output.dense.bias", [h]),
                outputNormGain: try tensor(p + "output.LayerNorm.weight", [h]),
                outputNormBias: try tensor(p + "output.LayerNorm.bias", [h]))
        }
    }
}
