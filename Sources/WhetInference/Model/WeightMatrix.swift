import CWhetKernels
import Foundation

/// A weight matrix of logical shape [rows, cols] (GGUF `ne = {cols, rows}`): the
/// quantised bytes in the memory map, a copy repacked in 8-row groups for the
/// decode kernels, and an F32 copy only where sgemm needs one.
public final class WeightMatrix: @unchecked Sendable {
    public let name: String
    public let type: GGMLType
    public let rows: Int
    public let cols: Int
    let raw: UnsafeRawPointer
    let rowBytes: Int
    /// Dequantised rows, row-major [rows × cols]: built at load for types without an
    /// integer kernel, on first use by the sgemm prompt path otherwise.
    private(set) var f32: UnsafeMutablePointer<Float>?
    /// The quantised rows regrouped for the decode kernels, each as much memory again
    /// as the quantised tensor (~96 MB for SmolLM2-135M): 16 at a time for the
    /// block-sum kernels (kernels_blocksum.c), 8 at a time for llama.cpp's order
    /// (kernels_packed.c); which of them exist follows EngineOptions.decodeArithmetic.
    /// nil when the type, shape or CPU has no such kernel.
    let packed: UnsafeMutableRawPointer?
    let blockSums: UnsafeMutableRawPointer?

    /// Whether the integer decode kernels handle this type natively.
    var hasQuantKernel: Bool { whet_matmul_q_supported(Int32(type.rawValue)) != 0 }

    init(file: GGUFFile, info: GGUFTensorInfo, decodeArithmetic: DecodeArithmetic = .auto) throws {
        guard info.type.isDequantizable else { throw TensorError.unsupportedType(info.type) }
        name = info.name
        type = info.type
        cols = info.dimensions[0]
        rows = info.rowCount
        raw = file.tensorBytes(info).baseAddress!
        rowBytes = info.type.rowBytes(cols)
        blockSums = decodeArithmetic != .llamaCpp
            ? Self.repack(blockSums: true, type: type, raw: raw, rowBytes: rowBytes, rows: rows, cols: cols) : nil
        // The 8-row copy also serves block-sum mode for shapes the 16-row kernel
        // cannot take, so decoding stays independent of the batch there too.
        packed = decodeArithmetic != .blockSums || blockSums == nil
            ? Self.repack(blockSums: false, type: type, raw: raw, rowBytes: rowBytes, rows: rows, cols: cols) : nil
        if !hasQuantKernel { try materialize() }
    }

    deinit {
        f32?.deallocate()
        packed?.deallocate()
        blockSums?.deallocate()
    }

    /// A copy regrouped for the 16-row block-sum kernels (`blockSums`) or the 8-row
    /// kernels in llama.cpp's order; nil when the CPU, type or shape has none.
    private static func repack(blockSums: Bool, type: GGMLType, raw: UnsafeRawPointer, rowBytes: Int, rows: Int,
                               cols: Int) -> UnsafeMutableRawPointer? {
        guard (blockSums ? whet_blocksum_supported() : whet_packed_supported()) != 0 else { return nil }
        let t = Int32(type.rawValue), r = Int32(rows), c = Int32(cols)
        let bytes = blockSums ? whet_blocksum_bytes(t, r, c) : whet_packed_bytes(t, r, c)
        guard bytes > 0 else { return nil }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        if blockSums { whet_blocksum_pack(t, raw, rowBytes, r, c, buffer) } else { whet_pack_q(t, raw, rowBytes, r, c, buffer) }
        return buffer
    }

    /// Builds the F32 copy if it does not exist yet.
    func materialize() throws {
        guard f32 == nil else { return }
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: rows * cols)
        do {
            for r in 0..<rows { try Dequantize.row(type, raw + r * rowBytes, buffer + r * cols, count: cols) }
        } catch {
            buffer.deallocate()
            throw error
        }
        f32 = buffer
    }

    /// Dequantises one row (e.g. an embedding lookup) into `dst`.
    func row(_ r: Int, into dst: UnsafeMutablePointer<Float>) {
        if let f32 {
            dst.update(from: f32 + r * cols, count: cols)
        } else {
            try? Dequantize.row(type, raw + r * rowBytes, dst, count: cols)
        }
    }
}

/// A vector weight (norm gains), always F32 after load.
public struct WeightVector: @unchecked Sendable {
    let values: [Float]

    init(file: GGUFFile, info: GGUFTensorInfo, decodeArithmetic: DecodeArithmetic = .auto) throws {
        var v = [Float](repeating: 0, count: info.elementCount)
        try v.withUnsafeMutableBufferPointer { buf in
            try Dequantize.row(info.type, file.tensorBytes(info).baseAddress!, buf.baseAddress!,
                               count: info.elementCount)
        }
        values = v
    }
}
