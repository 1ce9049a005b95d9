import CWhetKernels
import Foundation

/// The llama architecture (SmolLM2, Llama 2/3, ...): token embedding, `blockCount`
/// pre-norm blocks (attention + SiLU-gated MLP), final RMSNorm and an output
/// projection that is the embedding itself when the file has no `output.weight`.
/// Another architecture is one more file like this one that builds `Block`s.
public final class Llama: @unchecked Sendable {
    static let supportedArchitectures: Set<String> = ["llama"]

    public let config: LlamaConfig
    let file: GGUFFile
    let tokenEmbedding: WeightMatrix
    let output: WeightMatrix
    let outputNorm: WeightVector
    let blocks: [Block]
    let rope: RopeTable

    public init(file: GGUFFile, decodeArithmetic: DecodeArithmetic = .auto) throws {
        let config = try LlamaConfig(file: file)
        self.config = config
        self.file = file
        let d = config.embeddingLength
        func tensor(_ name: String, _ shape: [Int]) throws -> GGUFTensorInfo {
            guard let info = file.tensors[name] else { throw TensorError.missingTensor(file: file.path, name: name) }
            guard info.dimensions == shape else {
                throw TensorError.shapeMismatch(file: file.path, name: name, expected: shape, found: info.dimensions)
            }
            return info
        }
        func matrix(_ name: String, _ shape: [Int]) throws -> WeightMatrix {
            try WeightMatrix(file: file, info: tensor(name, shape), decodeArithmetic: decodeArithmetic)
        }
        func vector(_ name: String) throws -> WeightVector {
            try WeightVector(file: file, info: tensor(name, [d]))
        }
        tokenEmbedding = try matrix("token_embd.weight", [d, config.vocabSize])
        output = file.tensors["output.weight"] == nil
            ? tokenEmbedding : try matrix("output.weight", [d, config.vocabSize])
        outputNorm = try vector("output_norm.weight")
        var blocks: [Block] = []
        for i in 0..<config.blockCount {
            let p = "blk.\(i)."
            let attention = Attention(
                norm: try vector(p + "attn_norm.weight"),
                query: try matrix(p + "attn_q.weight", [d, config.queryDim]),
                key: try matrix(p + "attn_k.weight", [d, config.kvDim]),
                value: try matrix(p + "attn_v.weight", [d, config.kvDim]),
                output: try matrix(p + "attn_output.weight", [config.queryDim, d]))
            let mlp = MLP(
                norm: try vector(p + "ffn_norm.weight"),
                gate: try matrix(p + "ffn_gate.weight", [d, config.feedForwardLength]),
                up: try matrix(p + "ffn_up.weight", [d, config.feedForwardLength]),
                down: try matrix(p + "ffn_down.weight", [config.feedForwardLength, d]))
            blocks.append(Block(index: i, attention: attention, mlp: mlp))
        }
        self.blocks = blocks
        rope = RopeTable(config: config)
    }

    public convenience init(url: URL) throws { try self.init(file: GGUFFile(url: url)) }

    func makeCache() -> KVCache { KVCache(layers: config.blockCount, kvDim: config.kvDim) }
}

/// cos/sin of every (position, pair) for NORM RoPE, computed as ggml does (float
/// theta multiplied by base^(-2/n_rot) pair after pair; see kernels_attention.c for
/// why the last bit matters).
final class RopeTable: @unchecked Sendable {
    let pairs: Int
    private let dimensions: Int32
    private let base: Float
    private let storage = ScratchBuffer<Float>()
    private(set) var positions = 0

    init(config: LlamaConfig) {
        pairs = config.ropeDimensions / 2
        dimensions = Int32(config.ropeDimensions)
        base = config.ropeFreqBase
        ensure(1024)
    }

    /// Extends the table to cover `count` positions (called before a forward pass).
    func ensure(_ count: Int) {
        guard count > positions else { return }
        let newCount = max(count, positions * 2)
        let old = [Float](UnsafeBufferPointer(start: storage.pointer, count: positions * pairs * 2))
        let table = storage.reserve(newCount * pairs * 2)
        table.update(from: old, count: old.count)
        for pos in positions..<newCount {
            whet_rope_cache(Int32(pos), dimensions, base, table + pos * pairs * 2)
        }
        positions = newCount
    }

    /// The (cos, sin) pairs of one position; valid until the next `ensure`.
    func row(_ pos: Int) -> UnsafePointer<Float> { UnsafePointer(storage.pointer + pos * pairs * 2) }
}
