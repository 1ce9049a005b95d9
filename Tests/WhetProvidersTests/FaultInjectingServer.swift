import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on a loopback port that misbehaves on purpose: each request takes the next
/// fault from a script, and once the script is used up answers with a valid chat completion. One thread
/// per connection, `Connection: close` always; every wait it does is bounded.
final class FaultInjectingServer: @unchecked Sendable {
    enum Fault: Sendable {
        case ok
        case status(Int, retryAfter: String?)
        /// Answers correctly, but only after `seconds`.
        case slow(seconds: Double)
        /// Declares the full Content-Length, sends half the body, closes.
        case truncatedBody
        /// A complete response whose JSON is cut short.
        case invalidJSON
        /// Reads the request, then resets the connection (RST) without answering.
        case reset
        case invalidUTF8
        case emptyChoices
    }

    /// Usage every successful answer reports.
    static let promptTokens = 7
    static let completionTokens = 3

    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var script: [Fault]
    private var fallback: Fault
    private var received = 0
    private var bodies: [String] = []
    private var heads: [String] = []

    init(script: [Fault] = [], fallback: Fault = .ok) throws {
        self.script = script
        self.fallback = fallback
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = fd
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// Requests received so far.
    var requestCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    /// Request lines and headers, as received.
    var requestHeads: [String] {
        lock.lock()
        defer { lock.unlock() }
        return heads
    }

    var requestBodies: [String] {
        lock.lock()
        defer { lock.unlock() }
        return bodies
    }

    /// Wakes the accept loop, which closes the socket itself: closing it here could hand its
    /// descriptor number to another test's socket while the loop is about to call accept on it.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func nextFault(head: String, body: String) -> Fault {
        lock.lock()
        defer { lock.unlock() }
        received += 1
        heads.append(head)
        bodies.append(body)
        return script.isEmpty ? fallback : script.removeFirst()
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else {
                close(listener)
                return
            }
            Thread { [self] in serve(connection) }.start()
        }
    }

    private func serve(_ connection: Int32) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let (head, body) = readRequest(connection) else { close(connection); return }
        let fault = nextFault(head: head, body: body)
        let valid = Self.completionJSON(for: body)
        switch fault {
        case .ok:
            respond(connection, status: 200, body: Array(valid.utf8))
        case .status(let code, let retryAfter):
            let extra = retryAfter.map { ["Retry-After: \($0)"] } ?? []
            respond(connection, status: code, body: Array(#"{"error":{"message":"injected","type":"test"}}"#.utf8), extra: extra)
        case .slow(let seconds):
            Thread.sleep(forTimeInterval: seconds)
            respond(connection, status: 200, body: Array(valid.utf8))
        case .truncatedBody:
            let bytes = Array(valid.utf8)
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(bytes.count)\r\nConnection: close\r\n\r\n"
            write(connection, Array(head.utf8) + bytes.prefix(bytes.count / 2))
        case .invalidJSON:
            respond(connection, status: 200, body: Array(valid.utf8.prefix(valid.utf8.count / 2)))
        case .reset:
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(connection, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        case .invalidUTF8:
            var bytes = Array(#"{"id":"x","object":"chat.completion","created":0,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"bad "#.utf8)
            bytes += [0xFF, 0xFE, 0xC3]
            bytes += Array(#""},"finish_reason":"stop"}]}"#.utf8)
            respond(connection, status: 200, body: bytes)
        case .emptyChoices:
            respond(connection, status: 200, body: Array(#"{"id":"x","object":"chat.completion","created":0,"model":"m","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":0,"total_tokens":7}}"#.utf8))
        }
        close(connection)
    }

    /// Chat or legacy completion body, echoing the number of samples asked for.
    static func completionJSON(for request: String) -> String {
        let n = (try? JSONSerialization.jsonObject(with: Data(request.utf8)) as? [String: Any])?["n"] as? Int ?? 1
        let isChat = request.contains("\"messages\"")
        let choices = (0..<max(1, n)).map { index in
            isChat
                ? #"{"index":\#(index),"message":{"role":"assistant","content":"answer \#(index)"},"finish_reason":"stop","logprobs":{"content":[{"token":"Pos","logprob":-0.2,"top_logprobs":[{"token":"Pos","logprob":-0.2},{"token":"Neg","logprob":-1.8}]}]}}"#
                : #"{"index":\#(index),"text":"answer \#(index)","finish_reason":"stop"}"#
        }
        let completion = completionTokens * max(1, n)
        return #"{"id":"x","object":"\#(isChat ? "chat.completion" : "text_completion")","created":0,"model":"m","choices":[\#(choices.joined(separator: ","))],"usage":{"prompt_tokens":\#(promptTokens),"completion_tokens":\#(completion),"total_tokens":\#(promptTokens + completion)}}"#
    }

    private func readRequest(_ connection: Int32) -> (head: String, body: String)? {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = recv(connection, &buffer, buffer.count, 0)
            guard count > 0 else { return nil }
            data += buffer[0..<count]
            guard let end = Self.headerEnd(data) else { continue }
            let head = String(decoding: data[0..<end], as: UTF8.self)
            let length = head.lowercased().split(separator: "\r\n").compactMap { line -> Int? in
                line.hasPrefix("content-length:") ? Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) : nil
            }.first ?? 0
            while data.count < end + 4 + length {
                let more = recv(connection, &buffer, buffer.count, 0)
                guard more > 0 else { return nil }
                data += buffer[0..<more]
            }
            return (head, String(decoding: data[(end + 4)..<(end + 4 + length)], as: UTF8.self))
        }
    }

    private static func headerEnd(_ data: [UInt8]) -> Int? {
        guard data.count >= 4 else { return nil }
        for index in 0...(data.count - 4) where data[index] == 13 && data[index + 1] == 10 && data[index + 2] == 13 && data[index + 3] == 10 {
            return index
        }
        return nil
    }

    private func respond(_ connection: Int32, status: Int, body: [UInt8], extra: [String] = []) {
        let head = (["HTTP/1.1 \(status) X", "Content-Type: application/json", "Content-Length: \(body.count)", "Connection: close"]
            + extra).joined(separator: "\r\n") + "\r\n\r\n"
        write(connection, Array(head.utf8) + body)
    }

    private func write(_ connection: Int32, _ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return }
            sent += count
        }
    }
}

/// A loopback port that is bound but not listening: connecting to it is refused, and no other test's
/// server can take the port while this lives.
final class RefusingPort: @unchecked Sendable {
    let port: Int
    private let descriptor: Int32

    init() throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = descriptor
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { close(descriptor); throw POSIXError(.EADDRINUSE) }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    deinit { close(descriptor) }
}
