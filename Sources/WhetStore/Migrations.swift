import GRDB

/// Schema history. Never edit a shipped migration: add a new one, so every
/// existing lineage file upgrades in place.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-lineage") { db in
            try db.create(table: "runs") { t in
                t.primaryKey("id", .text)
                t.column("kind", .text).notNull()
                t.column("taskName", .text).notNull()
                t.column("taskPath", .text).notNull()
                t.column("taskHash", .text).notNull()
                t.column("model", .text).notNull()
                t.column("seed", .integer).notNull()
                t.column("status", .text).notNull()
                t.column("configJSON", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("finishedAt", .datetime)
                t.column("bestCandidateId", .integer)
                t.column("bestDevScore", .double)
                t.column("testScore", .double)
            }
            try db.create(table: "candidates") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("runId", .text).notNull().indexed().references("runs", onDelete: .cascade)
                t.column("instruction", .text).notNull()
                t.column("exemplarsJSON", .text).notNull()
                t.column("verbalizersJSON", .text).notNull()
                t.column("operatorName", .text).notNull()
                t.column("round", .integer).notNull()
                t.column("devScore", .double)
                t.column("testScore", .double)
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "candidate_parents") { t in
                t.column("candidateId", .integer).notNull().references("candidates", onDelete: .cascade)
                t.column("parentId", .integer).notNull().references("candidates", onDelete: .cascade)
                t.primaryKey(["candidateId", "parentId"])
            }
            try db.create(table: "evaluations") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("candidateId", .integer).notNull().references("candidates", onDelete: .cascade)
                t.column("exampleId", .text).notNull()
                t.column("split", .text).notNull()
                t.column("output", .text).notNull()
                t.column("score", .double)
                t.column("promptTokens", .integer).notNull()
                t.column("completionTokens", .integer).notNull()
                t.column("latencyMs", .double).notNull()
                t.column("createdAt", .datetime).notNull()
                t.uniqueKey(["candidateId", "exampleId", "split"])
            }
            try db.create(table: "judgments") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("runId", .text).notNull().indexed().references("runs", onDelete: .cascade)
                t.column("candidateA", .integer).notNull().references("candidates", onDelete: .cascade)
                t.column("candidateB", .integer).notNull().references("candidates", onDelete: .cascade)
                t.column("exampleId", .text).notNull()
                t.column("order", .text).notNull()
                t.column("verdict", .text).notNull()
                t.column("probability", .double)
                t.column("judge", .text).notNull()
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "model_calls") { t in
                t.primaryKey("key", .text)
                t.column("model", .text).notNull()
                t.column("requestJSON", .text).notNull()
                t.column("responseJSON", .text).notNull()
                t.column("promptTokens", .integer).notNull()
                t.column("completionTokens", .integer).notNull()
                t.column("latencyMs", .double).notNull()
                t.column("createdAt", .datetime).notNull()
            }
        }
        m.registerMigration("v2-run-ownership") { db in
            try db.alter(table: "runs") { t in
                t.add(column: "ownerHost", .text)
                t.add(column: "ownerPid", .integer)
                t.add(column: "heartbeatAt", .datetime)
            }
            try db.create(index: "runs_status", on: "runs", columns: ["status"])
        }
        m.registerMigration("v3-judgment-reuse") { db in
            try db.alter(table: "judgments") { t in
                t.add(column: "pairKey", .text)
                t.add(column: "reason", .text)
                t.add(column: "method", .text)
            }
            try db.create(index: "judgments_pairKey", on: "judgments", columns: ["pairKey"])
        }
        // The optimizer's candidate: its full specification (format line, exemplar policy,
        // readout), its place in the run's sequence (resumed runs find it again), and its
        // score on the selection examples; the run's final summary.
        m.registerMigration("v4-optimizer-candidates") { db in
            try db.alter(table: "candidates") { t in
                t.add(column: "ordinal", .integer)
                t.add(column: "specJSON", .text).notNull().defaults(to: "{}")
                t.add(column: "selectionScore", .double)
                t.add(column: "selectionCount", .integer)
            }
            try db.create(index: "candidates_run_ordinal", on: "candidates", columns: ["runId", "ordinal"], unique: true)
            try db.alter(table: "runs") { t in
                t.add(column: "summaryJSON", .text)
            }
        }
        m.registerMigration("v5-run-spend") { db in
            try db.alter(table: "runs") { t in
                t.add(column: "spend", .text)
                t.add(column: "detail", .text)
            }
        }
        return m
    }
}
