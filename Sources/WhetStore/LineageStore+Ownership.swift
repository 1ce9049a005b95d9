import Foundation
import GRDB
import WhetCore

extension LineageStore {
    /// Stores `interrupted` for every `running` run whose process is gone, so that `whet runs`, the
    /// server and `--resume` all agree on it.
    func markDeadRunsInterrupted() throws {
        let running = try pool.read { db in
            try RunRecord.filter(Column("status") == RunStatus.running.rawValue).fetchAll(db)
        }
        let dead = running.filter { leases.isDead($0) }
        guard !dead.isEmpty else { return }
        try pool.write { db in
            for run in dead {
                try db.execute(sql: "UPDATE runs SET status = ? WHERE id = ? AND status = ?",
                               arguments: [RunStatus.interrupted, run.id, RunStatus.running])
            }
        }
    }

    func startHeartbeat() {
        leases.startHeartbeat { [pool] ids in
            try? pool.write { db in
                for id in ids {
                    try db.execute(sql: "UPDATE runs SET heartbeatAt = ? WHERE id = ?", arguments: [Date(), id])
                }
            }
        }
    }
}
