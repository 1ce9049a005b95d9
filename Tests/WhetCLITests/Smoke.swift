import Testing
@testable import WhetCLI

@Test func moduleLoads() { #expect(Bool(true)) }
