import Foundation
import Testing
@testable import WhetInference
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Seeded mutation fuzzing of the GGUF reader: thousands of corrupted variants of a
/// small valid file must each parse or throw `GGUFError` — never trap, never
/// allocate absurdly — and a file that parses must only expose in-bounds tensors.
@Suite struct GGUFFuzzTests {
    static let interesting: [UInt64] = [
        0, 1, 2, 3, 4, 7, 8, 31, 32, 33, 255, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 1 << 32,
        1 << 40, 1 << 60, 1 << 62, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, .max, .max - 1,
    ]

    /// Parses `bytes`; returns a description of anything other than success or a GGUFError.
    static func check(_ bytes: [UInt8]) -> String? {
        do {
            let file = try GGUFFile(data: Data(bytes))
            for name in file.tensorNames {
                guard let info = file.tensors[name] else { return "tensor \(name) listed but missing" }
                let end = file.dataOffset + info.offset + info.byteCount
                guard info.byteCount >= 0, end <= bytes.count else {
                    return "tensor \(name) ends at \(end), past the \(bytes.count)-byte buffer"
                }
                let data = file.tensorBytes(info)
                guard data.count == info.byteCount else { return "tensor \(name) byte count mismatch" }
                if let last = data.last, let first = data.first { _ = first &+ last }  // touch both ends
            }
            _ = file.metadata.values.map(\.type)
            return nil
        } catch is GGUFError {
            return nil
        } catch {
            return "threw a non-GGUFError: \(error)"
        }
    }

    static func maxResidentKB() -> Int {
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return usage.ru_maxrss
    }

    static func mutate(_ seed: GGUFFuzzSeed, _ rng: inout FuzzRandom) -> [UInt8] {
        var b = seed.bytes
        let rounds = Int.random(in: 1...3, using: &rng)
        for _ in 0..<rounds {
            switch Int.random(in: 0..<7, using: &rng) {
            case 0:  // flip a few bits anywhere
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    let i = Int.random(in: 0..<b.count, using: &rng)
                    b[i] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
                }
            case 1, 2:  // an interesting value into a structural field
                let field = seed.fields.randomElement(using: &rng)!
                var value = interesting.randomElement(using: &rng)!
                if Bool.random(using: &rng) { value &+= UInt64.random(in: 0...16, using: &rng) }
                for k in 0..<field.width where field.offset + k < b.count {
                    b[field.offset + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k)))
                }
            case 3:  // an interesting u64 at a random position
                let value = interesting.randomElement(using: &rng)!
                let at = Int.random(in: 0..<b.count, using: &rng)
                for k in 0..<8 where at + k < b.count { b[at + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
            case 4:  // truncate
                b.removeLast(Int.random(in: 1...b.count, using: &rng))
                if b.isEmpty { return b }
            case 5:  // delete or insert a run of bytes
                let at = Int.random(in: 0..<b.count, using: &rng)
                let n = Int.random(in: 1...16, using: &rng)
                if Bool.random(using: &rng) {
                    b.removeSubrange(at..<min(b.count, at + n))
                    if b.isEmpty { return b }
                } else {
                    b.insert(contentsOf: (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
                }
            default:  // copy a chunk over another place (duplicated keys, shifted tables)
                let n = Int.random(in: 1...32, using: &rng)
                let from = Int.random(in: 0..<b.count, using: &rng), to = Int.random(in: 0..<b.count, using: &rng)
                let chunk = Array(b[from..<min(b.count, from + n)])
                for (k, v) in chunk.enumerated() where to + k < b.count { b[to + k] = v }
            }
        }
        return b
    }

    @Test func seedIsValid() throws {
        let file = try GGUFFile(data: Data(GGUFFuzzSeed.make().bytes))
        #expect(file.tensorNames.count == 3)
        #expect(file.stringArray("tokenizer.ggml.tokens") == ["a", "b", "ab"])
    }

    @Test(arguments: [(UInt32(3), UInt64(0x5EED_0001)), (3, 0x5EED_0002), (2, 0x5EED_0003)])
    func randomMutationsNeverCrash(version: UInt32, seed: UInt64) {
        let base = GGUFFuzzSeed.make(version: version)
        var rng = FuzzRandom(state: seed)
        let rssBefore = Self.maxResidentKB()
        var failures: [String] = []
        for n in 0..<2000 {
            let input = Self.mutate(base, &rng)
            if let problem = Self.check(input) {
                failures.append("mutation #\(n) (seed \(seed)): \(problem); bytes \(input.count)")
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        // A count trusted before checking against the file size would reserve gigabytes
        // (2^60 traps outright). Peak RSS is process-wide and other suites load the model
        // in parallel, so the bound is loose; scripts/fuzz-gguf enforces a precise
        // per-allocation limit (-malloc_limit_mb=512).
        #expect(Self.maxResidentKB() - rssBefore < 2 * 1024 * 1024)
    }

    @Test func everyTruncationIsHandled() {
        let base = GGUFFuzzSeed.make().bytes
        var parsed = 0
        for length in 0..<base.count {
            let prefix = Array(base[..<length])
            #expect(Self.check(prefix) == nil, "prefix of \(length) bytes")
            if (try? GGUFFile(data: Data(prefix))) != nil { parsed += 1 }
        }
        // Only cuts inside the final padding can still parse; the data must not be.
        #expect(parsed < 32)
    }

    @Test(arguments: GGUFFuzzSeed.FieldKind.allCases)
    func everyStructuralFieldWithEveryInterestingValue(kind: GGUFFuzzSeed.FieldKind) {
        let seed = GGUFFuzzSeed.make()
        var failures: [String] = []
        for field in seed.fields where field.kind == kind {
            for value in Self.interesting {
                var b = seed.bytes
                for k in 0..<field.width { b[field.offset + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
                if let problem = Self.check(b) { failures.append("field at \(field.offset) = \(value): \(problem)") }
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    static let crasherDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fuzz-crashers")

    static var crasherFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: crasherDirectory.path)) ?? [])
            .filter { $0.hasSuffix(".gguf") }.sorted()
    }

    /// Inputs that once crashed a reader or probe a known trap (huge counts, overflowing
    /// offsets) are kept as files and replayed on every run.
    @Test func corpusIsPresent() {
        #expect(Self.crasherFiles.count >= 5, "corpus at \(Self.crasherDirectory.path)")
    }

    @Test(arguments: crasherFiles)
    func replayCorpus(_ name: String) throws {
        let bytes = try [UInt8](Data(contentsOf: Self.crasherDirectory.appendingPathComponent(name)))
        #expect(Self.check(bytes) == nil)
        // The corpus holds corrupt files only: each must be rejected with a GGUFError.
        #expect(throws: GGUFError.self) { try GGUFFile(data: Data(bytes)) }
    }
}
