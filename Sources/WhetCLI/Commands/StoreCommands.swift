import ArgumentParser
import Foundation
import WhetStore

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List runs in the lineage store, newest first.")
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let runs = try store.open().runs()
        if output.json { try JSONOutput.print(runs); return }
        guard !runs.isEmpty else { print("no runs in \(store.path)"); return }
        let fmt = DateFormatter()
        fmt.dateFormat = "yyyy-MM-dd HH:mm"
        print("RUN".padding(24), "KIND".padding(9), "TASK".padding(18), "STATUS".padding(12), "DEV".padding(7), "TEST".padding(7), "STARTED")
        for r in runs {
            print(r.id.padding(24), r.kind.rawValue.padding(9), r.taskName.padding(18), r.status.rawValue.padding(12),
                  (r.bestDevScore.map { String(format: "%.3f", $0) } ?? "-").padding(7),
                  (r.testScore.map { String(format: "%.3f", $0) } ?? "-").padding(7), fmt.string(from: r.createdAt))
        }
    }
}

struct LineageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lineage", abstract: "Print how a run's candidates descend from each other.")
    enum Format: String, ExpressibleByArgument, CaseIterable { case tree, json, dot }

    @Argument(help: "The run id (or a unique prefix of it).") var run: String
    @Option(help: "tree, json or dot (Graphviz).") var format: Format = .tree
    @OptionGroup var store: StoreOptions
    @Flag(name: .long, help: "Same as --format json.") var json = false

    func run() async throws {
        let s = try store.open()
        let graph = try LineageGraph(store: s, run: try s.run(matching: run))
        switch json ? .json : format {
        case .tree: print(graph.tree(), terminator: "")
        case .json: print(try graph.json())
        case .dot: print(graph.dot(), terminator: "")
        }
    }
}

extension String {
    func padding(_ n: Int) -> String {
        count >= n ? String(prefix(n - 1)) + " " : self + String(repeating: " ", count: n - count)
    }
}
