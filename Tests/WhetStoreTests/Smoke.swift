import Testing
@testable import WhetStore

@Test func moduleLoads() { #expect(Bool(true)) }
