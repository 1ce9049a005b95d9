import Foundation
import Testing
@testable import WhetEmbeddings

@Suite struct SafetensorsFileTests {
    /// Writes a safetensors file with the given header entries and raw data section.
    func write(_ header: String, _ payload: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("whet-st-\(UUID().uuidString).safetensors")
        var bytes = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian, Array.init)
        bytes += Array(header.utf8) + payload
        try Data(bytes).write(to: url)
        return url
    }

    @Test func readsF32F16AndBF16() throws {
        let f32 = [Float(1.5), -2.25].flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
        let f16: [UInt8] = [0x00, 0x3C, 0x00, 0xC1, 0x01, 0x00]  // 1.0, -2.5, smallest subnormal
        let bf16: [UInt8] = [0xC0, 0x3F, 0x80, 0xC0]            // 1.5, -4.0
        let header = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"# +
            #""h":{"dtype":"F16","shape":[3],"data_offsets":[8,14]},"b":{"dtype":"BF16","shape":[1,2],"data_offsets":[14,18]}}"#
        let url = try write(header, f32 + f16 + bf16)
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try SafetensorsFile(url: url)
        #expect(try file.floats("a", shape: [2]) == [1.5, -2.25])
        #expect(try file.floats("h") == [1.0, -2.5, Float(bitPattern: 0x3380_0000)])
        #expect(try file.floats("b", shape: [1, 2]) == [1.5, -4.0])
        #expect(throws: EmbeddingError.tensorShape(path: url.path, name: "b", expected: [2], found: [1, 2])) {
            try file.floats("b", shape: [2])
        }
        #expect(throws: EmbeddingError.tensorMissing(path: url.path, name: "missing")) { try file.floats("missing") }
    }

    @Test func rejectsTruncatedAndInconsistentFiles() throws {
        let short = try write(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, [0, 0, 0, 0])
        defer { try? FileManager.default.removeItem(at: short) }
        #expect(throws: EmbeddingError.self) { try SafetensorsFile(url: short) }

        let wrongSize = try write(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, Array(repeating: 0, count: 8))
        defer { try? FileManager.default.removeItem(at: wrongSize) }
        #expect(throws: EmbeddingError.self) { try SafetensorsFile(url: wrongSize).floats("a") }

        let notJSON = try write("not json", [])
        defer { try? FileManager.default.removeItem(at: notJSON) }
        #expect(throws: EmbeddingError.self) { try SafetensorsFile(url: notJSON) }
    }

    @Test(.enabled(if: TestSupport.hasModel)) func theModelFileHasTheExpectedTensors() throws {
        let dir = try #require(TestSupport.modelDirectory)
        let file = try SafetensorsFile(url: dir.appendingPathComponent("model.safetensors"))
        #expect(file.tensors["embeddings.word_embeddings.weight"]?.shape == [30522, 384])
        #expect(file.tensors.keys.filter { $0.hasPrefix("encoder.layer.") && $0.hasSuffix("query.weight") }.count == 6)
    }
}
