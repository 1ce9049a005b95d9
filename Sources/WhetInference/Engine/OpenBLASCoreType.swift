import COpenBLAS
import CWhetKernels
import Foundation

/// OpenBLAS picks its kernels by CPU model when the library loads. Debian's 0.3.21 takes
/// CPUs newer than it knows (Xeon 6, say) for "Prescott" and runs SSE3 kernels, 3-4x
/// slower than its AVX2 or AVX-512 ones (MiniLM embeddings, the sgemm prompt path). The
/// choice is made before `main`, so a process that got it wrong restarts itself once with
/// `OPENBLAS_CORETYPE` set; an explicit `OPENBLAS_CORETYPE` is always left alone.
public enum OpenBLASCoreType {
    /// Kernel families that use AVX2 or AVX-512.
    static let vectorCores: Set<String> = ["haswell", "skylakex", "cooperlake", "sapphirerapids", "zen"]

    /// The core type to force, or nil when OpenBLAS's own choice is fine.
    public static func correction(detected: String, vectorLevel: Int) -> String? {
        guard vectorLevel > 0, !vectorCores.contains(detected.lowercased()) else { return nil }
        return vectorLevel >= 2 ? "SkylakeX" : "Haswell"
    }

    /// Re-executes this program with `OPENBLAS_CORETYPE` set when OpenBLAS chose kernels
    /// older than the CPU; returns (doing nothing) otherwise or if the exec fails.
    public static func restartIfMisdetected() {
        guard getenv("OPENBLAS_CORETYPE") == nil, let name = openblas_get_corename(),
              let core = correction(detected: String(cString: name), vectorLevel: Int(whet_cpu_vector_level()))
        else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }
}
