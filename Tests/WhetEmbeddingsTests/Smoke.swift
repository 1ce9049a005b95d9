import Testing
@testable import WhetEmbeddings

@Test func moduleLoads() { #expect(Bool(true)) }
