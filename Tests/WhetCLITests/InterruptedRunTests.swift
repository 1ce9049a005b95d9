import Foundation
import Testing
import WhetStore

/// A run whose process dies is shown as interrupted, by `whet runs` and by the store alike.
struct InterruptedRunTests {
    @Test func aKilledEvalIsShownAsInterrupted() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("l.sqlite").path
        let p = Process()
        p.executableURL = Whet.binary
        p.arguments = ["eval", "tasks/singular_to_plural.yaml", "--db", db, "--json"]
        p.currentDirectoryURL = repoRoot
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()

        // Wait until it is scoring (its run is recorded), and check that a live run reads as running.
        let deadline = Date().addingTimeInterval(120)
        var seen: RunRecord?
        while seen == nil && Date() < deadline && p.isRunning {
            usleep(50_000)
            if FileManager.default.fileExists(atPath: db) { seen = try? LineageStore(path: db).runs().first }
        }
        let live = try #require(seen, "the eval never recorded its run")
        #expect(live.status == .running)
        let during = try Whet.run(["runs", "--db", db, "--json"])
        #expect(during.stdout.contains("\"running\""), "\(during.stdout)")

        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let after = try Whet.run(["runs", "--db", db])
        #expect(after.status == 0)
        #expect(after.stdout.contains(live.id) && after.stdout.contains("interrupted"), "\(after.stdout)")
        #expect(try LineageStore(path: db).run(matching: live.id).status == .interrupted)
    }
}
