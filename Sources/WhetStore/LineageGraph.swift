import Foundation

/// A run's candidates as a graph, rendered as an indented tree, JSON or
/// Graphviz dot.
public struct LineageGraph: Sendable {
    public let run: RunRecord
    public let candidates: [CandidateRecord]
    public let edges: [(child: Int64, parent: Int64)]

    public init(store: LineageStore, run: RunRecord) throws {
        self.run = run
        self.candidates = try store.candidates(run: run.id)
        self.edges = try store.parentEdges(run: run.id)
    }

    public func parents(of id: Int64) -> [Int64] { edges.filter { $0.child == id }.map(\.parent) }

    /// The candidates from a root down to `id`, each reached from its first (lowest) parent, as the tree
    /// draws them: the path a UI highlights to the best candidate.
    public func pathFromRoot(to id: Int64) -> [Int64] {
        var path: [Int64] = []
        var seen = Set<Int64>()
        var current: Int64? = id
        while let c = current, seen.insert(c).inserted {
            path.append(c)
            current = parents(of: c).min()
        }
        return path.reversed()
    }

    /// Each candidate appears under its first parent; other parents are named on
    /// its line, so the tree stays a tree while no edge is lost.
    public func tree() -> String {
        var children: [Int64: [Int64]] = [:]
        var roots: [Int64] = []
        for c in candidates {
            guard let id = c.id else { continue }
            let ps = parents(of: id)
            if let first = ps.min() { children[first, default: []].append(id) } else { roots.append(id) }
        }
        let byId = Dictionary(uniqueKeysWithValues: candidates.compactMap { c in c.id.map { ($0, c) } })
        var out = "run \(run.id)  task \(run.taskName)  model \(run.model)  status \(run.status)"
        if let t = run.testScore { out += String(format: "  test %.3f", t) }
        out += "\n"
        func line(_ id: Int64, _ prefix: String, _ last: Bool, _ top: Bool) {
            guard let c = byId[id] else { return }
            let branch = top ? "" : (last ? "└─ " : "├─ ")
            var text = "c\(id) [\(c.operatorName), round \(c.round)]"
            if let s = c.selectionScore, let n = c.selectionCount { text += String(format: " sel %.3f/%d", s, n) }
            if let d = c.devScore { text += String(format: " dev %.3f", d) }
            if let t = c.testScore { text += String(format: " test %.3f", t) }
            if run.bestCandidateId == id { text += " ★ best" }
            let others = parents(of: id).sorted().dropFirst()
            if !others.isEmpty { text += " (also from \(others.map { "c\($0)" }.joined(separator: ", ")))" }
            let instr = c.instruction.replacingOccurrences(of: "\n", with: " ")
            text += "  \"\(instr.count > 60 ? String(instr.prefix(57)) + "..." : instr)\""
            out += prefix + branch + text + "\n"
            let kids = children[id] ?? []
            let childPrefix = top ? prefix : prefix + (last ? "   " : "│  ")
            for (i, k) in kids.enumerated() { line(k, childPrefix, i == kids.count - 1, false) }
        }
        for r in roots { line(r, "", true, true) }
        return out
    }

    public func json() throws -> String {
        struct Node: Encodable {
            let id: Int64, parents: [Int64], operatorName: String, round: Int, instruction: String
            let exemplars: String, devScore: Double?, testScore: Double?
            let selectionScore: Double?, selectionCount: Int?
        }
        struct Doc: Encodable {
            let run: RunRecord
            let candidates: [Node]
        }
        let nodes = candidates.compactMap { c -> Node? in
            guard let id = c.id else { return nil }
            return Node(id: id, parents: parents(of: id).sorted(), operatorName: c.operatorName, round: c.round,
                        instruction: c.instruction, exemplars: c.exemplarsJSON, devScore: c.devScore, testScore: c.testScore,
                        selectionScore: c.selectionScore, selectionCount: c.selectionCount)
        }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.dateEncodingStrategy = .iso8601
        return String(decoding: try enc.encode(Doc(run: run, candidates: nodes)), as: UTF8.self)
    }

    public func dot() -> String {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: " ")
        }
        var out = "digraph \"\(esc(run.id))\" {\n  rankdir=TB;\n  node [shape=box, fontname=\"Helvetica\"];\n"
        for c in candidates {
            guard let id = c.id else { continue }
            var label = "c\(id) \(c.operatorName) r\(c.round)"
            if let d = c.devScore { label += String(format: "\\ndev %.3f", d) }
            let instr = c.instruction.count > 40 ? String(c.instruction.prefix(37)) + "..." : c.instruction
            label += "\\n" + esc(instr)
            let style = run.bestCandidateId == id ? ", style=bold, color=darkgreen" : ""
            out += "  c\(id) [label=\"\(label)\"\(style)];\n"
        }
        for e in edges { out += "  c\(e.parent) -> c\(e.child);\n" }
        return out + "}\n"
    }
}
