import Foundation
import Testing
@testable import WhetStore

struct LineageGraphTests {
    @Test func rendersTreeJSONAndDot() throws {
        let path = tempDBPath()
        defer { removeDB(path) }
        let store = try LineageStore(path: path)
        try store.createRun(sampleRun())
        let a = try store.addCandidate(CandidateRecord(runId: "r1", instruction: "Seed.", operatorName: "seed", round: 0, devScore: 0.5))
        let b = try store.addCandidate(CandidateRecord(runId: "r1", instruction: "Better.", operatorName: "rewrite", round: 1, devScore: 0.7), parents: [a.id!])
        let c = try store.addCandidate(CandidateRecord(runId: "r1", instruction: "Other.", operatorName: "rewrite", round: 1), parents: [a.id!])
        let d = try store.addCandidate(CandidateRecord(runId: "r1", instruction: "Both.", operatorName: "crossover", round: 2), parents: [b.id!, c.id!])
        try store.finishRun("r1", status: .finished, bestCandidateId: b.id, bestDevScore: 0.7, testScore: 0.6)
        let graph = try LineageGraph(store: store, run: try store.run(matching: "r1"))

        let tree = graph.tree().split(separator: "\n").map(String.init)
        #expect(tree.count == 5)
        #expect(tree[1].hasPrefix("c\(a.id!) [seed, round 0] dev 0.500"))
        #expect(tree[2].hasPrefix("├─ c\(b.id!) [rewrite, round 1] dev 0.700 ★ best"))
        #expect(tree[3].hasPrefix("│  └─ c\(d.id!) [crossover, round 2] (also from c\(c.id!))"))
        #expect(tree[4].hasPrefix("└─ c\(c.id!)"))

        let json = try JSONSerialization.jsonObject(with: Data(try graph.json().utf8)) as? [String: Any]
        let nodes = try #require(json?["candidates"] as? [[String: Any]])
        #expect(nodes.count == 4)
        #expect(nodes[3]["parents"] as? [Int] == [Int(b.id!), Int(c.id!)])

        let dot = graph.dot()
        #expect(dot.hasPrefix("digraph \"r1\" {"))
        #expect(dot.contains("c\(b.id!) -> c\(d.id!);") && dot.contains("c\(c.id!) -> c\(d.id!);"))
        #expect(dot.contains("style=bold"))
    }
}
