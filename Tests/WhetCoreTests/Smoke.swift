import Testing
@testable import WhetCore

@Test func moduleLoads() { #expect(Bool(true)) }
