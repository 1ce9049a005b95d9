import Foundation
import Testing
@testable import WhetInference

/// When OpenBLAS's own kernel choice is overridden, and with what.
@Suite struct OpenBLASCoreTypeTests {
    @Test(arguments: [
        ("Prescott", 2, "SkylakeX"), ("Prescott", 1, "Haswell"), ("Sandybridge", 1, "Haswell"), ("Nehalem", 2, "SkylakeX"),
        ("Prescott", 0, nil), ("Haswell", 1, nil), ("Haswell", 2, nil), ("SkylakeX", 2, nil), ("Zen", 1, nil),
        ("SapphireRapids", 2, nil), ("COOPERLAKE", 2, nil),
    ] as [(String, Int, String?)])
    func correction(detected: String, level: Int, expected: String?) {
        #expect(OpenBLASCoreType.correction(detected: detected, vectorLevel: level) == expected)
    }
}
