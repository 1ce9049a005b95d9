import Testing
@testable import WhetInference

@Test func moduleLoads() { #expect(Bool(true)) }
