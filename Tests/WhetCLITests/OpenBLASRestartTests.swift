import Foundation
import Testing

/// The real binary ends up on OpenBLAS kernels that use the CPU's vector units, whatever
/// Debian's OpenBLAS detected; an explicit OPENBLAS_CORETYPE is left alone.
@Suite struct OpenBLASRestartTests {
    static var cpuHasAVX2: Bool {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        guard let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        let set = Set(flags.split(separator: " ").map(String.init))
        return set.contains("avx2") && set.contains("fma")
    }

    /// The "Core: NAME" lines OpenBLAS prints at load with OPENBLAS_VERBOSE=2.
    static func cores(_ env: [String: String]) throws -> [String] {
        let r = try Whet.run(["--version"], env: env)
        #expect(r.status == 0, "\(r.stderr)")
        return r.stderr.split(separator: "\n").compactMap { line in
            line.hasPrefix("Core: ") ? String(line.dropFirst(6)) : nil
        }
    }

    @Test func theProgramRunsOnVectorKernels() throws {
        var env = ["OPENBLAS_VERBOSE": "2"]
        env["OPENBLAS_CORETYPE"] = nil
        let base = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"]
        try #require(base == nil, "the test environment sets OPENBLAS_CORETYPE")
        let seen = try Self.cores(env)
        try #require(!seen.isEmpty, "OpenBLAS printed no core type")
        if Self.cpuHasAVX2 {
            let vector = ["haswell", "skylakex", "cooperlake", "sapphirerapids", "zen"]
            #expect(vector.contains(seen.last!.lowercased()), "ran on \(seen)")
        }
        #expect(seen.count <= 2, "restarted more than once: \(seen)")
    }

    @Test func anExplicitCoreTypeIsKept() throws {
        let seen = try Self.cores(["OPENBLAS_VERBOSE": "2", "OPENBLAS_CORETYPE": "Prescott"])
        #expect(seen == ["Prescott"])
    }
}
