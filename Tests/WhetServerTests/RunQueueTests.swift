import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WhetCore
@testable import WhetServer
import WhetStore

/// Runs over HTTP in process: queueing past --max-runs, the event stream, cancelling, resuming what an
/// earlier server left queued. The model is a stand-in whose calls the test lets through one by one,
/// so how far a run gets is decided by the test, not by timing.
@Suite struct RunQueueTests {
    static let task = inlineLabelTask(count: 20)
    static func body(limit: Int = 4) -> ByteBuffer {
        submissionBody(task: task, options: ["limit": limit, "parallel": 1, "split": "test"])
    }

    @Test func runsPastMaxRunsWaitQueuedAndTheListAgreesWithTheStore() async throws {
        let gate = GatedBackend()
        let fixture = try ServiceFixture(backend: gate, maxRuns: 1)
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let api = API(client: client)
            var ids: [String] = []
            for _ in 0..<3 { ids.append(try await api.submit(Self.body())["id"] as! String) }
            try await gate.waitUntilBlocked(1)
            let list = try json(try await api.send(.get, "/v1/runs"))["runs"] as! [[String: Any]]
            var byId: [String: [String: Any]] = [:]
            for run in list { byId[run["id"] as! String] = run }
            #expect(byId[ids[0]]?["status"] as? String == "running")
            #expect(byId[ids[1]]?["status"] as? String == "queued" && byId[ids[1]]?["queuePosition"] as? Int == 1)
            #expect(byId[ids[2]]?["status"] as? String == "queued" && byId[ids[2]]?["queuePosition"] as? Int == 2)
            // What `whet runs` reads: the same statuses.
            for run in try fixture.store.runs() { #expect(byId[run.id]?["status"] as? String == run.status.rawValue) }
            #expect(await fixture.manager.activeCount == 1)

            gate.openFully()
            for id in ids {
                let run = try await fixture.waitFor(id) { $0.status == .finished }
                #expect(run.testScore != nil && run.bestCandidateId != nil)
                let view = try json(try await api.send(.get, "/v1/runs/\(id)", pattern: "/v1/runs/{id}"))
                #expect(view["status"] as? String == "finished")
                // The three ask the same four questions: the first asks the model, the others read the cache.
                let spend = try #require(view["spend"] as? [String: Any])
                #expect(spend["calls"] as? Int == (id == ids[0] ? 4 : 0))
                #expect(spend["cacheHits"] as? Int == (id == ids[0] ? 0 : 4))
                #expect(view["candidates"] as? Int == 1)
                #expect((view["best"] as? [String: Any])?["instruction"] as? String == "Answer with positive or negative.")
            }
            // They started in the order they came.
            let started = try ids.map { try fixture.store.candidates(run: $0).first!.createdAt }
            #expect(started == started.sorted())
        }
        #expect(try fixture.store.integrityCheck().isEmpty)
    }

    @Test func theEventStreamReplaysAndFollowsARunToItsEnd() async throws {
        let gate = GatedBackend()
        let fixture = try ServiceFixture(backend: gate, maxRuns: 1)
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let api = API(client: client)
            let id = try await api.submit(Self.body(limit: 6))["id"] as! String
            try await gate.waitUntilBlocked(1)
            // Joined while the run waits on its first call; the body ends when the run does.
            async let streamed = client.execute(uri: "/v1/runs/\(id)/events", method: .get, headers: ServiceFixture.headers())
            try await Task.sleep(nanoseconds: 50_000_000)
            gate.openFully()
            let response = try await streamed
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            let events = parseEvents(String(buffer: response.body))
            #expect(events.map(\.id) == events.indices.map { $0 + 1 }, "ids count up from 1")
            let names = events.map(\.event)
            #expect(names.first == "status" && events.first?.object["status"] as? String == "queued")
            #expect(events.contains { $0.event == "status" && $0.object["status"] as? String == "running" })
            let stages = events.filter { $0.event == "stage" }.map { $0.object["done"] as! Int }
            #expect(stages.first == 0 && stages.last == 6 && stages == stages.sorted())
            let candidate = try #require(events.first { $0.event == "candidate" }?.object)
            let best = try #require(events.first { $0.event == "best" }?.object)
            #expect(candidate["candidate"] as? Int == best["candidate"] as? Int)
            #expect(candidate["operator"] as? String == "seed")
            let spend = try #require(events.last { $0.event == "spend" }?.object)
            #expect(spend["calls"] as? Int == 6)
            #expect(names.last == "end" && events.last?.object["status"] as? String == "finished")
            #expect((names.firstIndex(of: "best") ?? Int.max) < (names.lastIndex(of: "end") ?? Int.min))
            // The data of each event fits its schema in the document.
            let schemas = ["status": "StatusEvent", "stage": "Stage", "candidate": "CandidateEvent", "best": "BestEvent",
                           "spend": "Spend", "note": "NoteEvent", "end": "EndEvent"]
            for event in events {
                var problems: [String] = []
                OpenAPIDocument.shared.validate(try JSONSerialization.jsonObject(with: Data(event.data.utf8)),
                                                ["$ref": "#/components/schemas/\(schemas[event.event]!)"], at: event.event, &problems)
                #expect(problems.isEmpty, "\(problems)")
            }
            // Reconnecting after event k replays only what came after it.
            var headers = ServiceFixture.headers()
            headers[HTTPField.Name("Last-Event-ID")!] = "3"
            let resumed = parseEvents(String(buffer: try await client.execute(uri: "/v1/runs/\(id)/events", method: .get,
                                                                              headers: headers).body))
            #expect(resumed == Array(events.dropFirst(3)))
        }
    }

    @Test func aRunCancelledMidWayStopsAndLosesNothing() async throws {
        let gate = GatedBackend(permits: 2)
        let fixture = try ServiceFixture(backend: gate, maxRuns: 1)
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let api = API(client: client)
            let id = try await api.submit(Self.body(limit: 8))["id"] as! String
            try await gate.waitUntilBlocked(1)       // two calls done, the third held
            async let cancelled = api.send(.post, "/v1/runs/\(id)/cancel", pattern: "/v1/runs/{id}/cancel")
            while !(await fixture.manager.isCancelling(id)) { try await Task.sleep(nanoseconds: 2_000_000) }
            gate.allow(1)                            // the call in flight finishes; no further one starts
            let view = try json(try await cancelled)
            #expect(view["status"] as? String == "cancelled")
            #expect((view["detail"] as? String)?.contains("cancelled") == true)
            #expect(gate.started == 3 && gate.finished == 3)
            let run = try fixture.store.run(matching: id)
            #expect(run.status == .cancelled && run.finishedAt != nil)
            #expect(try fixture.store.candidates(run: id).isEmpty)
            // Nothing lost: the three answers are in the cache; a new run starts from them.
            #expect(try fixture.store.count("model_calls") == 3)
            #expect(try fixture.store.integrityCheck().isEmpty)
            let again = try json(try await api.send(.post, "/v1/runs/\(id)/cancel", pattern: "/v1/runs/{id}/cancel"))
            #expect((again["error"] as? [String: Any])?["type"] as? String == "conflict_error")
            gate.openFully()
            let second = try await api.submit(Self.body(limit: 8))["id"] as! String
            let done = try await fixture.waitFor(second) { $0.status == .finished }
            #expect(done.spend?.cacheHits == 3 && done.spend?.calls == 5)
        }
    }

    @Test func aQueuedRunCancelledNeverRuns() async throws {
        let gate = GatedBackend()
        let fixture = try ServiceFixture(backend: gate, maxRuns: 1)
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let api = API(client: client)
            let first = try await api.submit(Self.body())["id"] as! String
            let second = try await api.submit(submissionBody(task: inlineLabelTask(count: 20, name: "other"),
                                                             options: ["limit": 4]))["id"] as! String
            try await gate.waitUntilBlocked(1)
            let view = try json(try await api.send(.post, "/v1/runs/\(second)/cancel", pattern: "/v1/runs/{id}/cancel"))
            #expect(view["status"] as? String == "cancelled")
            gate.openFully()
            _ = try await fixture.waitFor(first) { $0.status == .finished }
            #expect(try fixture.store.run(matching: second).status == .cancelled)
            #expect(try fixture.store.candidates(run: second).isEmpty)
            #expect(gate.started == 4)
            let events = parseEvents(String(buffer: try await client.execute(uri: "/v1/runs/\(second)/events", method: .get,
                                                                              headers: ServiceFixture.headers()).body))
            #expect(events.map(\.event) == ["status", "end"])
            #expect(events.last?.object["status"] as? String == "cancelled")
        }
    }

    @Test func aNewServerTakesOverTheRunsAnEarlierOneLeftQueued() async throws {
        let gate = GatedBackend()
        let fixture = try ServiceFixture(backend: gate, maxRuns: 1)
        defer { fixture.remove() }
        let queuedId = try await fixture.application().test(.router) { client -> String in
            let api = API(client: client)
            _ = try await api.submit(Self.body())
            let id = try await api.submit(Self.body(limit: 5))["id"] as! String
            try await gate.waitUntilBlocked(1)
            return id
        }
        #expect(try fixture.store.run(matching: queuedId).status == .queued)
        // A run recorded by `whet eval` (no workspace) is not the server's to resume.
        try fixture.store.createRun(RunRecord(id: "r-cli", kind: .evaluate, taskName: "t", taskPath: "t.yaml", taskHash: "h",
                                              model: "m", seed: 0, status: .queued))
        let second = RunManager(environment: fixture.manager.environment, handlers: ServiceFixture.handlers, maxRuns: 1,
                                spendInterval: 0.05)
        let resumed = try await second.resumeUnfinished()
        #expect(resumed == [queuedId])
        gate.openFully()
        let run = try await fixture.waitFor(queuedId) { $0.status == .finished }
        #expect(try fixture.store.evaluations(candidate: run.bestCandidateId!).count == 5)
        #expect(try fixture.store.run(matching: "r-cli").status == .queued)
    }
}
