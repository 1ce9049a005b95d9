import Foundation

/// A small valid GGUF written byte by byte for the fuzz tests, remembering where
/// every count, length, type id and offset field sits so mutations can aim at the
/// fields a reader must distrust.
struct GGUFFuzzSeed {
    enum FieldKind: CaseIterable { case count, length, typeID, dimension, offset }
    struct Field { let offset: Int; let width: Int; let kind: FieldKind }

    private(set) var bytes: [UInt8] = []
    private(set) var fields: [Field] = []

    static func make(version: UInt32 = 3) -> GGUFFuzzSeed {
        var s = GGUFFuzzSeed()
        s.raw(Array("GGUF".utf8))
        s.u32(version)
        s.u64(3, .count)  // tensors
        s.u64(7, .count)  // metadata
        s.key("general.architecture"); s.u32(8, .typeID); s.string("llama")
        s.key("general.alignment"); s.u32(4, .typeID); s.u32(32)
        s.key("llama.rope.freq_base"); s.u32(6, .typeID); s.u32(Float(10000).bitPattern)
        s.key("flag"); s.u32(7, .typeID); s.raw([1])
        s.key("tokenizer.ggml.tokens"); s.u32(9, .typeID); s.u32(8, .typeID); s.u64(3, .count)
        for t in ["a", "b", "ab"] { s.string(t) }
        s.key("tokenizer.ggml.token_type"); s.u32(9, .typeID); s.u32(5, .typeID); s.u64(3, .count)
        for v: UInt32 in [1, 1, 3] { s.u32(v) }
        s.key("big"); s.u32(10, .typeID); s.u64(1 << 40)
        // Tensors: an F32 [8], a Q8_0 [32, 2], a Q4_1 [32]; data offsets padded to 32.
        let tensors: [(String, [UInt64], UInt32, Int)] = [
            ("token_embd.weight", [8], 0, 32), ("blk.0.attn_q.weight", [32, 2], 8, 68), ("output_norm", [32], 3, 20),
        ]
        var dataOffset: UInt64 = 0
        for (name, dims, type, size) in tensors {
            s.string(name)
            s.u32(UInt32(dims.count), .count)
            for d in dims { s.u64(d, .dimension) }
            s.u32(type, .typeID)
            s.u64(dataOffset, .offset)
            dataOffset += UInt64((size + 31) / 32 * 32)
        }
        while s.bytes.count % 32 != 0 { s.bytes.append(0) }
        for (_, _, _, size) in tensors {
            s.raw((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
            while s.bytes.count % 32 != 0 { s.bytes.append(0) }
        }
        return s
    }

    private mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }
    private mutating func u32(_ v: UInt32, _ kind: FieldKind? = nil) {
        if let kind { fields.append(Field(offset: bytes.count, width: 4, kind: kind)) }
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
    private mutating func u64(_ v: UInt64, _ kind: FieldKind? = nil) {
        if let kind { fields.append(Field(offset: bytes.count, width: 8, kind: kind)) }
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
    private mutating func string(_ s: String) {
        u64(UInt64(s.utf8.count), .length)
        raw(Array(s.utf8))
    }
    private mutating func key(_ s: String) { string(s) }
}

/// SplitMix64: tiny, seedable and the same on every platform, so a failing
/// mutation number reproduces anywhere.
struct FuzzRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
