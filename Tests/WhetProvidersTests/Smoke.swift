import Testing
@testable import WhetProviders

@Test func moduleLoads() { #expect(Bool(true)) }
