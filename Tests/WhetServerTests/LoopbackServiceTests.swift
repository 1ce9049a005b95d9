import Foundation
import Testing
import WhetCore
@testable import WhetServer
import WhetStore

/// Runs over a real loopback socket: a run from submission to its last event, and a client that drops
/// its event stream mid-run.
@Suite struct LoopbackServiceTests {
    @Test func aRunFromSubmissionToItsEndOverASocket() async throws {
        let fixture = try ServiceFixture()
        defer { fixture.remove() }
        try await withLiveService(fixture) { port in
            let body = Data(submissionBody(task: inlineLabelTask(count: 20), options: ["limit": 6]).readableBytesView)
            let refused = try await offPool { try rawExchange(port: port, "POST", "/v1/runs", token: nil, body: body) }
            #expect(refused.status == 401)
            #expect((refused.json["error"] as? [String: Any])?["type"] as? String == "authentication_error")
            #expect(try fixture.store.runs().isEmpty)

            let created = try await offPool { try rawExchange(port: port, "POST", "/v1/runs", body: body) }
            #expect(created.status == 202, "\(created.body)")
            let id = try #require(created.json["id"] as? String)
            #expect(created.headers["location"] == "/v1/runs/\(id)")

            let text = try await offPool {
                let stream = try RawConnection(port: port)
                defer { stream.close() }
                try stream.send("GET", "/v1/runs/\(id)/events", token: ServiceFixture.token)
                return try stream.read(until: "event: end")
            }
            #expect(text.hasPrefix("HTTP/1.1 200"))
            let events = parseEvents(text)
            #expect(events.first?.event == "status")
            #expect(events.contains { $0.event == "best" })
            #expect(events.last?.event == "end" && events.last?.object["status"] as? String == "finished")

            let run = try await offPool { try rawExchange(port: port, "GET", "/v1/runs/\(id)") }
            #expect(run.status == 200 && run.json["status"] as? String == "finished")
            #expect(OpenAPIDocument.shared.check(method: "GET", path: "/v1/runs/{id}", status: 200, body: Data(run.body.utf8)).isEmpty)
            let health = try await offPool { try rawExchange(port: port, "GET", "/health", token: nil) }
            #expect(health.status == 200)
        }
    }

    @Test func aClientThatDropsTheEventStreamLeavesTheRunWhole() async throws {
        let gate = GatedBackend()
        let fixture = try ServiceFixture(backend: gate, maxRuns: 1, heartbeat: 0.1)
        defer { fixture.remove() }
        try await withLiveService(fixture) { port in
            let body = Data(submissionBody(task: inlineLabelTask(count: 20), options: ["limit": 8, "parallel": 1]).readableBytesView)
            let created = try await offPool { try rawExchange(port: port, "POST", "/v1/runs", body: body) }
            let id = try #require(created.json["id"] as? String)
            try await gate.waitUntilBlocked(1)
            let stream = try RawConnection(port: port)
            try stream.send("GET", "/v1/runs/\(id)/events", token: ServiceFixture.token, close: false)
            _ = try await offPool { try stream.read(until: "event: status") }
            let log = try #require(await fixture.manager.existingLog(for: id))
            #expect(log.subscriberCount == 1)
            stream.close()                            // the client goes away mid-run
            gate.allow(3)
            let deadline = Date().addingTimeInterval(30)
            while log.subscriberCount > 0 && Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
            #expect(log.subscriberCount == 0, "the dropped stream's subscription was released")
            #expect(try fixture.store.run(matching: id).status == .running)
            gate.openFully()
            let run = try await fixture.waitFor(id) { $0.status == .finished }
            #expect(try fixture.store.evaluations(candidate: try #require(run.bestCandidateId)).count == 8)
            #expect(try fixture.store.count("model_calls") == 8)
            #expect(try fixture.store.integrityCheck().isEmpty)
        }
    }
}
