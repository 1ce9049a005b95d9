import Foundation

/// A running run's claim on itself: an exclusive `flock` on `<database>.locks/<run>.lock`, held by the
/// process for as long as it runs the run. The kernel releases it when the process dies (even by
/// `kill -9`), so another process that can take the lock knows the owner is gone: no guessing from
/// timestamps on the same machine. Runs owned by another machine fall back to the heartbeat.
final class RunLease: @unchecked Sendable {
    let runId: String
    let path: String
    private var descriptor: Int32

    /// Takes the lock, or nil when another live process holds it.
    static func acquire(runId: String, directory: String) throws -> RunLease? {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = lockPath(runId: runId, directory: directory)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError.lock(path: path, reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            if errno == EWOULDBLOCK { return nil }
            throw StoreError.lock(path: path, reason: String(cString: strerror(errno)))
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
        return RunLease(runId: runId, path: path, descriptor: fd)
    }

    /// Whether some live process holds the run's lock. Never blocks.
    static func isHeld(runId: String, directory: String) -> Bool {
        let path = lockPath(runId: runId, directory: directory)
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }

    static func lockPath(runId: String, directory: String) -> String {
        let safe = runId.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }
        return (directory as NSString).appendingPathComponent(String(safe) + ".lock")
    }

    private init(runId: String, path: String, descriptor: Int32) {
        self.runId = runId
        self.path = path
        self.descriptor = descriptor
    }

    func release() {
        guard descriptor >= 0 else { return }
        unlink(path)
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}

/// The leases this process holds on one store's runs, and the heartbeat that tells other machines
/// they are alive.
final class RunLeases: @unchecked Sendable {
    static let host = ProcessInfo.processInfo.hostName
    /// A run owned by another machine whose heartbeat is older than this is taken as interrupted.
    static let staleAfter: TimeInterval = 90
    static let heartbeatInterval: TimeInterval = 15

    let directory: String
    private let lock = NSLock()
    private var held: [String: RunLease] = [:]
    private var timer: DispatchSourceTimer?

    init(directory: String) { self.directory = directory }

    func take(_ runId: String) throws {
        guard let lease = try RunLease.acquire(runId: runId, directory: directory) else { throw StoreError.runBusy(runId) }
        lock.withLock { held[runId] = lease }
    }

    func drop(_ runId: String) {
        let lease = lock.withLock { held.removeValue(forKey: runId) }
        lease?.release()
    }

    var heldIds: [String] { lock.withLock { Array(held.keys) } }

    /// Starts the heartbeat once; it beats for whichever runs are held at each tick.
    func startHeartbeat(_ beat: @escaping @Sendable ([String]) -> Void) {
        lock.withLock {
            guard timer == nil else { return }
            let t = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
            t.schedule(deadline: .now() + Self.heartbeatInterval, repeating: Self.heartbeatInterval)
            t.setEventHandler { [weak self] in
                guard let ids = self?.heldIds, !ids.isEmpty else { return }
                beat(ids)
            }
            t.resume()
            timer = t
        }
    }

    /// Whether the process running a `running` run is gone.
    func isDead(_ run: RunRecord, now: Date = Date()) -> Bool {
        if lock.withLock({ held[run.id] != nil }) { return false }
        if run.ownerHost == Self.host {
            return !RunLease.isHeld(runId: run.id, directory: directory)
        }
        let lastSign = run.heartbeatAt ?? run.createdAt
        return now.timeIntervalSince(lastSign) > Self.staleAfter
    }
}

/// Serialises migrations across processes: an exclusive, blocking `flock` on `<database>.locks/migrate.lock`.
enum MigrationLock {
    static func holding<T>(directory: String, _ body: () throws -> T) throws -> T {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("migrate.lock")
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError.lock(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw StoreError.lock(path: path, reason: String(cString: strerror(errno))) }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
