import Foundation
import HTTPTypes
import Hummingbird
import WhetStore

/// Server-sent events over a response body: `retry`, then each event as `id`/`event`/`data`, with a
/// comment line every `heartbeat` seconds so a client that went away is noticed (the write fails and the
/// subscription ends) and proxies keep the connection open.
enum EventStream {
    static func response(_ events: AsyncStream<RunEvent>, heartbeat: TimeInterval) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        let body = ResponseBody { writer in
            let (chunks, sink) = AsyncStream<String>.makeStream()
            let forward = Task {
                for await event in events { sink.yield(format(event)) }
                sink.finish()
            }
            let beat = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: UInt64(heartbeat * 1e9))
                    if Task.isCancelled { break }
                    sink.yield(": keep-alive\n\n")
                }
            }
            defer {
                forward.cancel()
                beat.cancel()
                sink.finish()
            }
            try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
            for await chunk in chunks {
                try await writer.write(ByteBuffer(string: chunk))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    static func format(_ event: RunEvent) -> String {
        "id: \(event.id)\nevent: \(event.name)\ndata: \(event.data)\n\n"
    }

    /// `Last-Event-ID` as a number (0 when absent or not a number).
    static func lastEventID(_ request: Request) -> Int {
        request.headers[HTTPField.Name("Last-Event-ID")!].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 0
    }
}

/// The events of a run this server is not running (finished earlier, or run by another process such as
/// `whet eval`): read from the store, once for an ended run, every `interval` seconds until it ends for
/// a live one. Numbered the same way each time for an ended run.
enum StoredRunEvents {
    static func stream(store: LineageStore, runId: String, after lastSeen: Int, interval: TimeInterval) -> AsyncStream<RunEvent> {
        let log = RunEventLog(runId: runId)
        let events = log.subscribe(after: lastSeen)
        let poller = Task {
            var seenCandidates = Set<Int64>()
            var lastStatus: RunStatus?
            var lastBest: Int64?
            var lastSpend: RunSpend?
            while !Task.isCancelled {
                guard let run = try? store.run(matching: runId) else {
                    log.end(status: .failed, detail: "the run is gone from the store")
                    return
                }
                if run.status != lastStatus, run.status.isActive {
                    log.publish("status", RunEventBody.Status(status: run.status, queuePosition: nil))
                }
                lastStatus = run.status
                for c in (try? store.candidates(run: runId)) ?? [] {
                    guard let id = c.id, !seenCandidates.contains(id), c.devScore != nil || c.testScore != nil || !run.status.isActive
                    else { continue }
                    seenCandidates.insert(id)
                    log.publish("candidate", RunEventBody.Candidate(candidate: id, operator: c.operatorName, score: c.devScore ?? c.testScore))
                }
                if let best = run.bestCandidateId, best != lastBest, let score = run.bestDevScore ?? run.testScore {
                    lastBest = best
                    log.publish("best", RunEventBody.Best(candidate: best, score: score))
                }
                if let spend = run.spend, spend != lastSpend {
                    lastSpend = spend
                    log.publish("spend", SpendView(spend))
                }
                if !run.status.isActive {
                    log.end(status: run.status, detail: run.detail)
                    return
                }
                try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
            }
        }
        // The poller stops with the stream's consumer.
        return AsyncStream { continuation in
            let relay = Task {
                for await event in events { continuation.yield(event) }
                continuation.finish()
            }
            continuation.onTermination = { _ in
                relay.cancel()
                poller.cancel()
            }
        }
    }
}
