import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// A plain TCP client for tests over a real loopback socket: it writes a request and reads what comes
/// back, so it can also hold an event stream open and drop it mid-way.
final class RawConnection: @unchecked Sendable {
    private var fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, connected == 0 else { throw RawHTTPError.cannotConnect(port) }
    }

    func send(_ method: String, _ path: String, token: String?, body: Data? = nil, close: Bool = true) throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        if close { head += "Connection: close\r\n" }
        var bytes = Data((head + "\r\n").utf8)
        if let body { bytes.append(body) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw RawHTTPError.writeFailed }
    }

    /// Reads until `marker` has arrived (or the peer closes); fails after `timeout` seconds.
    func read(until marker: String? = nil, timeout: TimeInterval = 60) throws -> String {
        var received = Data()
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while Date() < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n <= 0 { return String(decoding: received, as: UTF8.self) }
            received.append(contentsOf: buffer[0..<n])
            if let marker, String(decoding: received, as: UTF8.self).contains(marker) {
                return String(decoding: received, as: UTF8.self)
            }
        }
        throw RawHTTPError.timedOut(String(decoding: received, as: UTF8.self))
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}

enum RawHTTPError: Error {
    case cannotConnect(Int)
    case writeFailed
    case timedOut(String)
}

/// A whole exchange on a fresh connection: status, headers and (de-chunked) body.
struct RawResponse {
    let status: Int
    let headers: [String: String]
    let body: String

    init(_ text: String) {
        let parts = text.components(separatedBy: "\r\n\r\n")
        let head = parts.first?.components(separatedBy: "\r\n") ?? []
        status = Int(head.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            let kv = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if kv.count == 2 { headers[kv[0].lowercased()] = kv[1] }
        }
        self.headers = headers
        var body = parts.dropFirst().joined(separator: "\r\n\r\n")
        if headers["transfer-encoding"] == "chunked" {
            var out = ""
            var rest = Substring(body)
            while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
                let start = lineEnd.upperBound
                let bytes = Array(rest[start...].utf8)
                out += String(decoding: bytes.prefix(size), as: UTF8.self)
                rest = Substring(String(decoding: bytes.dropFirst(size + 2), as: UTF8.self))
            }
            body = out
        }
        self.body = body
    }

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
}

func rawExchange(port: Int, _ method: String, _ path: String, token: String? = ServiceFixture.token,
                 body: Data? = nil) throws -> RawResponse {
    let connection = try RawConnection(port: port)
    defer { connection.close() }
    try connection.send(method, path, token: token, body: body)
    return RawResponse(try connection.read())
}

/// The fixture's router on a free loopback port for the duration of `body`.
func withLiveService<T: Sendable>(_ fixture: ServiceFixture, _ body: @Sendable (Int) async throws -> T) async throws -> T {
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    var logger = Logger(label: "whet.serve.test")
    logger.logLevel = .critical
    let app = Application(router: fixture.router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                          onServerRunning: { channel in
                              continuation.yield(channel.localAddress?.port ?? 0)
                              continuation.finish()
                          }, logger: logger)
    let services = ServiceGroup(configuration: .init(services: [app], logger: logger))
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await services.run()
            return nil
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw LiveServerError.didNotStart }
        do {
            let result = try await body(port)
            await services.triggerGracefulShutdown()
            return result
        } catch {
            await services.triggerGracefulShutdown()
            throw error
        }
    }
}

/// Runs blocking work (a socket read, a browser) on a thread of its own, never on the few threads of
/// Swift's cooperative pool, which the in-process server needs to answer.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
