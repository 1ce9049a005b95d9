import Foundation
import Testing

/// `whet embed` on the embedded MiniLM model: in process, and the binary for its exit code.
struct EmbedCommandTests {
    @Test func vectorsAreUnitLengthAndSimilarTextsAreCloser() async throws {
        let r = await InProcess.run(["embed", "--json", "--text", "I love this movie", "--text", "What a great film",
                                     "--text", "My card was declined"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(doc["dimension"] as? Int == 384)
        let items = try #require(doc["items"] as? [[String: Any]])
        let v = items.compactMap { $0["vector"] as? [Double] }
        #expect(v.count == 3 && v.allSatisfy { $0.count == 384 })
        func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        for x in v { #expect(abs(dot(x, x) - 1) < 1e-4) }
        #expect(dot(v[0], v[1]) > dot(v[0], v[2]) + 0.2)
    }

    @Test func clustersGroupLinesByTopic() async throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("lines.txt")
        try "I love this movie\nWhat a great film\nThe bank charged me a fee\nMy card was declined\nThis film was wonderful\nWhy was I charged twice\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let r = await InProcess.run(["embed", "--cluster", "--json", "--file", file.path])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let clusters = try #require(doc["clusters"] as? [[String: Any]])
        let groups = clusters.map { c in Set((c["members"] as? [[String: Any]] ?? []).compactMap { $0["index"] as? Int }) }
        #expect(Set(groups) == [Set([0, 1, 4]), Set([2, 3, 5])])
    }

    @Test func missingFileIsExit2() throws {
        let r = try Whet.run(["embed", "--file", "/nonexistent/lines.txt"], cwd: repoRoot)
        #expect(r.status == 2 && r.stderr.contains("/nonexistent/lines.txt") && r.stderr.contains("does not exist"))
    }
}
