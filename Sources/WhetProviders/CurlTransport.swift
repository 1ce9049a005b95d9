import CCurl
import Dispatch
import Foundation

/// HTTP over libcurl. Each exchange blocks a thread of a private dispatch queue (never the Swift
/// cooperative pool) and is bridged back with a continuation. TLS verification, proxy variables
/// (http_proxy, https_proxy, no_proxy) and keep-alive are libcurl's defaults; easy handles are pooled so
/// connections are reused.
public final class CurlTransport: HTTPTransport, @unchecked Sendable {
    private let queue = DispatchQueue(label: "whet.curl", qos: .userInitiated, attributes: .concurrent)
    private let lock = NSLock()
    private var idleHandles: [OpaquePointer] = []
    private let maxIdleHandles: Int

    private static let globalInit: Void = { _ = curl_global_init(3) }()  // CURL_GLOBAL_ALL

    public init(maxIdleHandles: Int = 64) {
        _ = Self.globalInit
        self.maxIdleHandles = maxIdleHandles
    }

    deinit {
        for handle in idleHandles { curl_easy_cleanup(UnsafeMutableRawPointer(handle)) }
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let state = TransferState()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, Error>) in
                queue.async {
                    continuation.resume(with: Result { try self.perform(request, state: state) })
                }
            }
        } onCancel: {
            state.cancel()
        }
    }

    private func checkoutHandle() -> UnsafeMutableRawPointer? {
        lock.lock()
        defer { lock.unlock() }
        if let handle = idleHandles.popLast() { return UnsafeMutableRawPointer(handle) }
        return curl_easy_init()
    }

    private func returnHandle(_ handle: UnsafeMutableRawPointer) {
        curl_easy_reset(handle)
        lock.lock()
        if idleHandles.count < maxIdleHandles {
            idleHandles.append(OpaquePointer(handle))
            lock.unlock()
        } else {
            lock.unlock()
            curl_easy_cleanup(handle)
        }
    }

    private func perform(_ request: HTTPRequest, state: TransferState) throws -> HTTPResponse {
        if state.isCancelled { throw TransportFailure.cancelled }
        guard let handle = checkoutHandle() else {
            throw TransportFailure.connection(code: -1, message: "curl_easy_init failed")
        }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer {
            curl_slist_free_all(headerList)
            returnHandle(handle)
        }
        // "Expect:" stops curl waiting up to a second for a 100-continue that small servers never send.
        for line in request.headers.map({ "\($0.key): \($0.value)" }) + ["Expect:"] {
            headerList = curl_slist_append(headerList, line)
        }
        let unmanaged = Unmanaged.passUnretained(state).toOpaque()
        _ = whet_curl_setopt_str(handle, CURLOPT_URL, request.url)
        _ = whet_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = whet_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout * 1000))
        _ = whet_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(request.totalTimeout * 1000))
        _ = whet_curl_setopt_str(handle, CURLOPT_NOPROXY, Self.noProxyList)
        _ = whet_curl_setopt_str(handle, CURLOPT_ACCEPT_ENCODING, "")
        _ = whet_curl_setopt_ptr(handle, CURLOPT_HTTPHEADER, headerList)
        _ = whet_curl_setopt_write(handle, curlWriteBody)
        _ = whet_curl_setopt_ptr(handle, CURLOPT_WRITEDATA, unmanaged)
        _ = whet_curl_setopt_header(handle, curlWriteHeader)
        _ = whet_curl_setopt_ptr(handle, CURLOPT_HEADERDATA, unmanaged)
        _ = whet_curl_setopt_xferinfo(handle, curlProgress)
        _ = whet_curl_setopt_ptr(handle, CURLOPT_XFERINFODATA, unmanaged)
        _ = whet_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
        if request.method == "POST" {
            let body = request.body ?? Data()
            _ = whet_curl_setopt_long(handle, CURLOPT_POST, 1)
            _ = whet_curl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, body.count)
            _ = body.withUnsafeBytes { raw in
                whet_curl_setopt_ptr(handle, CURLOPT_COPYPOSTFIELDS, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1))
            }
        } else if request.method != "GET" {
            _ = whet_curl_setopt_str(handle, CURLOPT_CUSTOMREQUEST, request.method)
        }

        let code = curl_easy_perform(handle)
        if code != CURLE_OK {
            if state.isCancelled { throw TransportFailure.cancelled }
            if code == CURLE_OPERATION_TIMEDOUT { throw TransportFailure.timedOut(seconds: request.totalTimeout) }
            let message = String(cString: curl_easy_strerror(code))
            throw TransportFailure.connection(code: Int(code.rawValue), message: message)
        }
        var status = 0
        _ = whet_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: state.headers, body: state.body)
    }

    /// The environment's no_proxy plus loopback: a proxy must never see traffic meant for this machine.
    private static let noProxyList: String = {
        let environment = ProcessInfo.processInfo.environment
        let inherited = environment["no_proxy"] ?? environment["NO_PROXY"] ?? ""
        return ([inherited] + ["localhost", "127.0.0.1", "::1"]).filter { !$0.isEmpty }.joined(separator: ",")
    }()
}

/// What libcurl's callbacks write into during one exchange; touched only by that exchange's thread,
/// except the cancellation flag.
final class TransferState: @unchecked Sendable {
    var body = Data()
    var headers: [String: String] = [:]
    private let cancelLock = NSLock()
    private var cancelled = false

    func cancel() {
        cancelLock.lock()
        cancelled = true
        cancelLock.unlock()
    }

    var isCancelled: Bool {
        cancelLock.lock()
        defer { cancelLock.unlock() }
        return cancelled
    }
}

private let curlWriteBody: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    pointer, size, count, user in
    let length = size * count
    guard let pointer, let user else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(user).takeUnretainedValue()
    pointer.withMemoryRebound(to: UInt8.self, capacity: length) { state.body.append($0, count: length) }
    return length
}

private let curlWriteHeader: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    pointer, size, count, user in
    let length = size * count
    guard let pointer, let user else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(user).takeUnretainedValue()
    let bytes = UnsafeRawBufferPointer(start: pointer, count: length)
    let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    if line.hasPrefix("HTTP/") {
        // A new status line (after a 100 Continue or a redirect): earlier headers belong to another response.
        state.headers = [:]
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        state.headers[name] = value
    }
    return length
}

private let curlProgress: @convention(c) (UnsafeMutableRawPointer?, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> Int32 = {
    user, _, _, _, _ in
    guard let user else { return 0 }
    return Unmanaged<TransferState>.fromOpaque(user).takeUnretainedValue().isCancelled ? 1 : 0
}
