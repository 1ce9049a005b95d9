import Foundation
import Hummingbird
import WhetCore
import WhetStore

/// `/v1/runs` and `/v1/events`: runs in the background, their live events, lineage and candidates.
struct RunRoutes: Sendable {
    let manager: RunManager?
    let maxBodyBytes: Int
    /// Seconds between keep-alive comments on an event stream.
    let heartbeat: TimeInterval
    /// Seconds between store reads when following a run another process runs.
    let pollInterval: TimeInterval

    func add(to router: Router<BasicRequestContext>) {
        router.get("/v1/runs") { request, _ in await JSONReply.handle { try await list(request) } }
        router.post("/v1/runs") { request, _ in
            do {
                let view = try await create(request)
                var response = JSONReply.encode(view, status: .accepted)
                response.headers[.location] = "/v1/runs/\(view.id)"
                return response
            } catch {
                return JSONReply.response(for: error)
            }
        }
        router.get("/v1/runs/{id}") { _, context in
            await JSONReply.handle {
                let manager = try requireManager()
                let record = try run(context)
                return await manager.view(of: record, detailed: true)
            }
        }
        router.get("/v1/runs/{id}/events") { request, context in
            do { return try await events(request, context) } catch { return JSONReply.response(for: error) }
        }
        router.get("/v1/runs/{id}/lineage") { _, context in
            await JSONReply.handle {
                let manager = try requireManager()
                let record = try run(context)
                return LineageView(run: await manager.view(of: record, detailed: true),
                                   graph: try LineageGraph(store: manager.store, run: record))
            }
        }
        router.get("/v1/runs/{id}/candidates/{candidate}") { _, context in
            await JSONReply.handle {
                let manager = try requireManager()
                let record = try run(context)
                guard let raw = context.parameters.get("candidate"),
                      let id = Int64(raw.hasPrefix("c") ? String(raw.dropFirst()) : raw) else {
                    throw ServiceError.badRequest(message: "candidate: expected a candidate number such as 3 or c3", param: "candidate")
                }
                return try await manager.candidateView(run: record, candidateId: id)
            }
        }
        router.post("/v1/runs/{id}/cancel") { _, context in
            await JSONReply.handle {
                let manager = try requireManager()
                let id = try run(context).id
                let record = try await manager.cancel(id)
                return await manager.view(of: record, detailed: true)
            }
        }
        router.get("/v1/events") { _, _ in
            do {
                let manager = try requireManager()
                return EventStream.response(manager.feed.subscribe(), heartbeat: heartbeat)
            } catch {
                return JSONReply.response(for: error)
            }
        }
    }

    func requireManager() throws -> RunManager {
        guard let manager else {
            throw ServiceError.unavailable(message: "this server keeps no runs (started without a lineage store)")
        }
        return manager
    }

    /// The run named in the path (an id or a unique prefix of one).
    func run(_ context: BasicRequestContext) throws -> RunRecord {
        let manager = try requireManager()
        let id = context.parameters.get("id") ?? ""
        do {
            return try manager.store.run(matching: id)
        } catch StoreError.unknownRun {
            throw ServiceError.notFound(message: "no run '\(id)'")
        } catch StoreError.ambiguousRun(_, let matches) {
            throw ServiceError.badRequest(message: "run id '\(id)' is ambiguous: \(matches.joined(separator: ", "))", param: "id")
        }
    }

    func list(_ request: Request) async throws -> RunListView {
        let manager = try requireManager()
        let query = request.uri.queryParameters
        var status: RunStatus?
        if let raw = query.get("status") {
            guard let value = RunStatus(rawValue: raw) else {
                throw ServiceError.badRequest(message: "status: expected one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))",
                                              param: "status")
            }
            status = value
        }
        var kind: RunKind?
        if let raw = query.get("kind") {
            guard let value = RunKind(rawValue: raw) else {
                throw ServiceError.badRequest(message: "kind: expected one of \(RunKind.allCases.map(\.rawValue).joined(separator: ", "))",
                                              param: "kind")
            }
            kind = value
        }
        var limit = 500
        if let raw = query.get("limit") {
            guard let value = Int(raw), (1...10_000).contains(value) else {
                throw ServiceError.badRequest(message: "limit: expected a number from 1 to 10000", param: "limit")
            }
            limit = value
        }
        let counts = try manager.store.candidateCounts()
        let runs = try manager.store.runs().filter { (status == nil || $0.status == status) && (kind == nil || $0.kind == kind) }
        var views: [RunView] = []
        for run in runs.prefix(limit) { views.append(await manager.view(of: run, candidates: counts[run.id] ?? 0)) }
        return RunListView(runs: views)
    }

    func create(_ request: Request) async throws -> RunView {
        let manager = try requireManager()
        let submission = try RunSubmission.decode(try await JSONReply.collect(request, maxBytes: maxBodyBytes))
        let record = try await manager.submit(submission)
        return await manager.view(of: record, detailed: true)
    }

    /// The run's events: the manager's log for a run this server handles (replayed from the start, or
    /// after `Last-Event-ID`), else what the store shows.
    func events(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let manager = try requireManager()
        let record = try run(context)
        let after = EventStream.lastEventID(request)
        if let log = await manager.existingLog(for: record.id) {
            return EventStream.response(log.subscribe(after: after), heartbeat: heartbeat)
        }
        return EventStream.response(
            StoredRunEvents.stream(store: manager.store, runId: record.id, after: after, interval: pollInterval),
            heartbeat: heartbeat)
    }
}
