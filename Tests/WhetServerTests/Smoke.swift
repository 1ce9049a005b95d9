import Testing
@testable import WhetServer

@Test func serverModuleLinks() {
    #expect(String(describing: WhetServer.self) == "WhetServer")
}
