import Foundation

/// `whet serve` as a real process for end-to-end tests: started on a free port, its stdout read line by
/// line, stopped by its pid.
final class ServeProcess {
    let process = Process()
    private let output = Pipe()
    private var buffer = ""
    private(set) var port = 0

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = Whet.binary
        process.arguments = ["serve", "--port", "0"] + arguments
        process.currentDirectoryURL = repoRoot
        var env = ProcessInfo.processInfo.environment
        env["WHET_TOKEN"] = nil
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Waits for the line saying where it listens; returns everything printed up to it.
    func waitUntilListening(timeout: TimeInterval = 180) throws -> String {
        let text = try readUntil("/v1\n", timeout: timeout)
        guard let range = text.range(of: #"on http://127\.0\.0\.1:(\d+)/v1"#, options: .regularExpression) else {
            throw ServeProcessError.noPort(text)
        }
        port = Int(text[range].split(separator: ":").last!.dropLast(3)) ?? 0
        return text
    }

    func readUntil(_ marker: String, timeout: TimeInterval) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        let handle = output.fileHandleForReading
        while !buffer.contains(marker) {
            guard Date() < deadline, process.isRunning else { throw ServeProcessError.exited(buffer) }
            var poller = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let data = handle.availableData
            if data.isEmpty { continue }
            buffer += String(decoding: data, as: UTF8.self)
        }
        return buffer
    }

    func kill(_ signal: Int32) {
        if process.isRunning { Glibc.kill(process.processIdentifier, signal) }
        process.waitUntilExit()
    }

    deinit { kill(SIGKILL) }
}

enum ServeProcessError: Error {
    case noPort(String)
    case exited(String)
}

/// One HTTP exchange over a plain loopback socket (no client library in the way), read to the end.
func http(_ port: Int, _ method: String, _ path: String, token: String?, body: Data? = nil, until marker: String? = nil,
          timeout: TimeInterval = 120) throws -> (status: Int, body: String) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw ServeProcessError.exited("cannot connect to \(port)") }
    var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    if let token { head += "Authorization: Bearer \(token)\r\n" }
    if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
    var bytes = Data((head + "\r\n").utf8)
    if let body { bytes.append(body) }
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    var received = Data()
    var chunk = [UInt8](repeating: 0, count: 65536)
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 100) > 0 else { continue }
        let n = read(fd, &chunk, chunk.count)
        if n <= 0 { break }
        received.append(contentsOf: chunk[0..<n])
        if let marker, String(decoding: received, as: UTF8.self).contains(marker) { break }
    }
    let text = String(decoding: received, as: UTF8.self)
    let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
    let payload = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
    // Chunked bodies: JSON answers here are one chunk, so the JSON is what lies between the braces.
    if let open = payload.firstIndex(where: { $0 == "{" || $0 == "[" }), marker == nil,
       let close = payload.lastIndex(where: { $0 == "}" || $0 == "]" }) {
        return (status, String(payload[open...close]))
    }
    return (status, payload)
}

func jsonObject(_ text: String) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
}
