import Foundation
import WhetCore
import WhetStore

/// One event of a run's stream, numbered from 1 (the SSE `id`, so a client reconnects with
/// `Last-Event-ID` and misses nothing). `data` is a JSON object.
public struct RunEvent: Sendable, Equatable {
    public let id: Int
    public let name: String
    public let data: String
}

/// The event payloads, as the stream and the OpenAPI document name them.
public enum RunEventBody {
    public struct Status: Codable, Sendable { public var status: RunStatus; public var queuePosition: Int? }
    public struct Stage: Codable, Sendable { public var name: String; public var done: Int; public var total: Int }
    public struct Candidate: Codable, Sendable { public var candidate: Int64; public var `operator`: String; public var score: Double? }
    public struct Best: Codable, Sendable { public var candidate: Int64; public var score: Double }
    public struct Note: Codable, Sendable { public var message: String }
    public struct End: Codable, Sendable { public var status: RunStatus; public var detail: String? }
}

/// A run's events for everyone watching it: the history (replayed to a client that joins late) and the
/// live subscribers. Library progress arrives on `sink` from any thread; stage updates are thinned to
/// ten a second per stage, since a stream needs the state, not every step.
public final class RunEventLog: @unchecked Sendable {
    public let runId: String
    private let lock = NSLock()
    private var events: [RunEvent] = []
    /// Each subscriber with the last event id it has seen.
    private var subscribers: [UUID: (continuation: AsyncStream<RunEvent>.Continuation, after: Int)] = [:]
    private var ended = false
    private var lastStage: [String: Date] = [:]
    private var latestStage: RunEventBody.Stage?
    /// Called after each event (the manager's feed of run changes).
    private let onEvent: @Sendable (RunEvent) -> Void

    static let stageInterval: TimeInterval = 0.1

    init(runId: String, onEvent: @escaping @Sendable (RunEvent) -> Void = { _ in }) {
        self.runId = runId
        self.onEvent = onEvent
    }

    /// Where the stage of a live run stands.
    public var progress: RunEventBody.Stage? { lock.withLock { latestStage } }
    public var subscriberCount: Int { lock.withLock { subscribers.count } }
    public var isEnded: Bool { lock.withLock { ended } }
    public var history: [RunEvent] { lock.withLock { events } }

    /// The sink handed to library code. `finished` is dropped: the manager ends the stream once the
    /// store has the final status. `spend` is dropped too: the manager reports the run's ledger.
    var sink: ProgressSink {
        { [weak self] event in self?.record(event) }
    }

    func record(_ event: ProgressEvent) {
        switch event {
        case .stage(let name, let done, let total):
            let now = Date()
            let due: Bool = lock.withLock {
                latestStage = RunEventBody.Stage(name: name, done: done, total: total)
                let last = lastStage[name] ?? .distantPast
                guard done == 0 || done == total || now.timeIntervalSince(last) >= Self.stageInterval else { return false }
                lastStage[name] = now
                return true
            }
            if due { publish("stage", RunEventBody.Stage(name: name, done: done, total: total)) }
        case .candidate(let id, let operatorName, let score):
            publish("candidate", RunEventBody.Candidate(candidate: id, operator: operatorName, score: score))
        case .best(let id, let score):
            publish("best", RunEventBody.Best(candidate: id, score: score))
        case .note(let message):
            publish("note", RunEventBody.Note(message: message))
        case .spend, .finished:
            break
        }
    }

    /// Appends an event and sends it to every subscriber; nothing after the end.
    func publish<T: Encodable>(_ name: String, _ body: T) {
        let data = String(decoding: (try? JSONReply.encoder.encode(body)) ?? Data("{}".utf8), as: UTF8.self)
        let event: RunEvent? = lock.withLock {
            guard !ended else { return nil }
            let event = RunEvent(id: events.count + 1, name: name, data: data)
            events.append(event)
            for subscriber in subscribers.values where event.id > subscriber.after { subscriber.continuation.yield(event) }
            return event
        }
        if let event { onEvent(event) }
    }

    /// The last event: the stream closes for every subscriber.
    func end(status: RunStatus, detail: String?) {
        publish("end", RunEventBody.End(status: status, detail: detail))
        let finishing: [AsyncStream<RunEvent>.Continuation] = lock.withLock {
            ended = true
            latestStage = nil
            defer { subscribers.removeAll() }
            return subscribers.values.map(\.continuation)
        }
        for continuation in finishing { continuation.finish() }
    }

    /// Events after `lastSeen`, then the live ones until the end. History and subscription are taken
    /// under one lock, so no event falls between them.
    public func subscribe(after lastSeen: Int = 0) -> AsyncStream<RunEvent> {
        let (stream, continuation) = AsyncStream<RunEvent>.makeStream()
        let id = UUID()
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            _ = self.lock.withLock { self.subscribers.removeValue(forKey: id) }
        }
        let over: Bool = lock.withLock {
            for event in events where event.id > lastSeen { continuation.yield(event) }
            if !ended { subscribers[id] = (continuation, lastSeen) }
            return ended
        }
        // Outside the lock: finishing runs `onTermination`, which takes it.
        if over { continuation.finish() }
        return stream
    }
}

/// Changes to any run (`GET /v1/events`): the run's summary each time its status, best or progress
/// changes. No history: a client reads `GET /v1/runs` first, then follows this.
public final class RunFeed: @unchecked Sendable {
    private let lock = NSLock()
    private var nextId = 1
    private var subscribers: [UUID: AsyncStream<RunEvent>.Continuation] = [:]

    public var subscriberCount: Int { lock.withLock { subscribers.count } }

    func publish<T: Encodable>(_ name: String, _ body: T) {
        let data = String(decoding: (try? JSONReply.encoder.encode(body)) ?? Data("{}".utf8), as: UTF8.self)
        lock.withLock {
            let event = RunEvent(id: nextId, name: name, data: data)
            nextId += 1
            for continuation in subscribers.values { continuation.yield(event) }
        }
    }

    public func subscribe() -> AsyncStream<RunEvent> {
        let (stream, continuation) = AsyncStream<RunEvent>.makeStream(bufferingPolicy: .bufferingNewest(1000))
        let id = UUID()
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            _ = self.lock.withLock { self.subscribers.removeValue(forKey: id) }
        }
        lock.withLock { subscribers[id] = continuation }
        return stream
    }

    /// Ends every subscription (server shutdown).
    func close() {
        let all = lock.withLock { defer { subscribers.removeAll() }; return Array(subscribers.values) }
        for continuation in all { continuation.finish() }
    }
}
