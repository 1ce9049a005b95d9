import Foundation
import Testing
import WhetCore
@testable import WhetInference

@Suite struct GGUFReaderTests {
    static let allScalars: [(String, GGUFValue)] = [
        ("u8", .uint8(200)), ("i8", .int8(-5)), ("u16", .uint16(60000)), ("i16", .int16(-300)),
        ("u32", .uint32(4_000_000_000)), ("i32", .int32(-70000)), ("f32", .float32(1.5)),
        ("b", .bool(true)), ("s", .string("héllo")), ("u64", .uint64(1 << 40)),
        ("i64", .int64(-(1 << 40))), ("f64", .float64(2.25)),
        ("arr", .array(.string, [.string("a"), .string("bc")])),
        ("ints", .array(.int32, [.int32(1), .int32(-2), .int32(3)])),
        ("empty", .array(.float32, [])),
    ]

    @Test(arguments: [UInt32(2), 3])
    func readsEveryMetadataType(version: UInt32) throws {
        var b = GGUFBufferBuilder()
        b.version = version
        b.metadata = Self.allScalars
        let file = try GGUFFile(data: b.build())
        #expect(file.version == version)
        for (key, value) in Self.allScalars { #expect(file.metadata[key] == value, "\(key)") }
        #expect(file.int("u32") == 4_000_000_000)
        #expect(file.int("i16") == -300)
        #expect(file.float("f64") == 2.25)
        #expect(file.string("s") == "héllo")
        #expect(file.stringArray("arr") == ["a", "bc"])
        #expect(file.intArray("ints") == [1, -2, 3])
        #expect(file.stringArray("ints") == nil)
    }

    @Test func readsTensorTableAndData() throws {
        var b = GGUFBufferBuilder()
        b.metadata = [("general.alignment", .uint32(64))]
        b.alignment = 64
        let f32: [UInt8] = (0..<8).flatMap { i in withUnsafeBytes(of: Float(i).bitPattern.littleEndian, Array.init) }
        b.tensors = [("a", [4, 2], .f32, f32), ("b", [32], .q8_0, [UInt8](repeating: 7, count: 34))]
        let file = try GGUFFile(data: b.build())
        let a = try #require(file.tensors["a"])
        #expect(a.dimensions == [4, 2] && a.type == .f32 && a.rowCount == 2 && a.byteCount == 32)
        #expect(file.tensors["b"]?.offset == 64)
        let bytes = try #require(file.tensorBytes("a"))
        #expect(bytes.loadUnaligned(fromByteOffset: 12, as: Float.self) == 3)
        #expect(file.tensorNames == ["a", "b"])
    }

    /// Each corruption must surface as its own GGUFError, never a crash.
    @Test(arguments: [
        "magic", "version", "kvCount", "tensorCount", "valueType", "stringLength", "arrayLength",
        "tensorType", "dims", "offsetPastEnd", "misaligned", "truncatedData", "alignment", "nested",
    ])
    func corruptionIsAClearError(kind: String) throws {
        var b = GGUFBufferBuilder()
        b.metadata = [("k", .string("v"))]
        b.tensors = [("t", [32], .f32, [UInt8](repeating: 0, count: 128))]
        var data = b.build()
        // Header layout: magic 0..<4, version 4..<8, tensor count 8..<16, kv count 16..<24,
        // key length 24..<32, key "k" 32, type 33..<37, string length 37..<45, "v" 45,
        // tensor name length 46..<54, "t" 54, n_dims 55..<59, ne0 59..<67, type 67..<71, offset 71..<79.
        func put<T: FixedWidthInteger>(_ v: T, at offset: Int) {
            withUnsafeBytes(of: v.littleEndian) { data.replaceSubrange(offset..<(offset + $0.count), with: $0) }
        }
        switch kind {
        case "magic": put(UInt32(0x4655_4746), at: 0)
        case "version": put(UInt32(1), at: 4)
        case "kvCount": put(UInt64.max, at: 16)
        case "tensorCount": put(UInt64(1) << 50, at: 8)
        case "valueType": put(UInt32(99), at: 33)
        case "stringLength": put(UInt64(1) << 60, at: 37)
        case "tensorType": put(UInt32(77), at: 67)
        case "dims": put(UInt32(9), at: 55)
        case "offsetPastEnd": put(UInt64(1 << 20), at: 71)
        case "misaligned": put(UInt64(4), at: 71)
        case "truncatedData": data = data.prefix(data.count - 64)
        case "alignment":
            b.metadata = [("general.alignment", .uint32(48))]
            data = b.build()
        case "nested":
            b.metadata = [("k", .array(.array, []))]
            data = b.build()
        case "arrayLength":
            b.metadata = [("k", .array(.uint32, [.uint32(1)]))]
            data = b.build()
            put(UInt64.max / 2, at: 37)
        default: Issue.record("unknown case \(kind)")
        }
        #expect(throws: GGUFError.self) { _ = try GGUFFile(data: data) }
    }

    @Test func errorNamesTheFile() {
        let url = URL(fileURLWithPath: "/nonexistent/model.gguf")
        do {
            _ = try GGUFFile(url: url)
            Issue.record("expected an error")
        } catch {
            #expect((error as? LocalizedError)?.errorDescription?.contains("/nonexistent/model.gguf") == true)
        }
    }

    @Test func everyTruncationOfAValidFileFailsCleanly() throws {
        var b = GGUFBufferBuilder()
        b.metadata = Self.allScalars
        b.tensors = [("t", [32, 2], .q4_1, [UInt8](repeating: 1, count: 40))]
        let data = b.build()
        _ = try GGUFFile(data: data)
        // 2 Q4_1 blocks = 40 bytes of tensor data; the rest of the last 32-byte
        // alignment unit is padding whose loss is harmless.
        let dataEnd = data.count - 24
        for length in stride(from: 0, to: dataEnd, by: 3) {
            #expect(throws: GGUFError.self) { _ = try GGUFFile(data: data.prefix(length)) }
        }
    }

    @Test func readsTheSmolLM2File() throws {
        let file = try GGUFFile(url: ModelLocator.defaultGGUF())
        #expect(file.string("general.architecture") == "llama")
        #expect(file.int("llama.block_count") == 30)
        #expect(file.tensors["token_embd.weight"]?.type == .q8_0)
        #expect(file.tensors["blk.0.attn_q.weight"]?.type == .q4_1)
        #expect(file.tensors["blk.0.attn_q.weight"]?.dimensions == [576, 576])
        #expect(file.stringArray("tokenizer.ggml.tokens")?.count == 49152)
    }
}
