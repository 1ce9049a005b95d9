import Foundation
import HTTPTypes
import Hummingbird
import WhetStore

/// The files the server ships (`Resources/`: the web UI and the OpenAPI document), read once at start
/// from the resource bundle beside the binary.
public struct StaticFiles: Sendable {
    struct File: Sendable {
        let data: Data
        let contentType: String
    }

    private let files: [String: File]
    /// Where the bundle was looked for, for the error when it is missing.
    let searched: [String]

    public init() {
        var searched: [String] = []
        var found: [String: File] = [:]
        for directory in Self.candidateDirectories() {
            searched.append(directory.path)
            guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("openapi.json").path) else { continue }
            found = Self.load(directory)
            break
        }
        files = found
        self.searched = searched
    }

    /// The bundle SwiftPM puts beside the binary (and beside the test runner), following symlinks to it.
    static func candidateDirectories() -> [URL] {
        let bundle = "Whetstone_WhetServer.resources"
        var directories = [Bundle.main.bundleURL]
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            directories.append(executable.deletingLastPathComponent())
        }
        directories.append(URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent())
        return directories.map { $0.appendingPathComponent(bundle).appendingPathComponent("Resources") }
    }

    static func load(_ directory: URL) -> [String: File] {
        var files: [String: File] = [:]
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [:] }
        for case let url as URL in walker where !url.hasDirectoryPath {
            let name = String(url.standardizedFileURL.path.dropFirst(directory.standardizedFileURL.path.count + 1))
            guard let data = try? Data(contentsOf: url) else { continue }
            files[name] = File(data: data, contentType: contentType(url.pathExtension))
        }
        return files
    }

    static func contentType(_ ext: String) -> String {
        switch ext {
        case "html": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js": return "text/javascript; charset=utf-8"
        case "json": return "application/json"
        case "svg": return "image/svg+xml"
        default: return "application/octet-stream"
        }
    }

    public var isEmpty: Bool { files.isEmpty }

    func data(_ name: String) -> Data? { files[name]?.data }

    /// A shipped file, with the headers that keep the UI's pages to their own scripts.
    func response(_ name: String, status: HTTPResponse.Status = .ok, csp: String = StaticFiles.pageCSP) throws -> Response {
        guard let file = files[name] else {
            if files.isEmpty {
                throw ServiceError.unavailable(message: "the server's files are missing: no Whetstone_WhetServer.resources "
                                               + "beside the binary (looked in \(searched.joined(separator: ", ")))")
            }
            throw ServiceError.notFound(message: "no such file")
        }
        var headers = HTTPFields()
        headers[.contentType] = file.contentType
        headers[.contentSecurityPolicy] = csp
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        headers[.cacheControl] = "no-cache"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.data)))
    }

    static let pageCSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

    /// The login page: the one page served without the token, as the body of the 401. Its only script is
    /// inline, allowed by its hash.
    func loginPage() -> Response {
        guard let data = files["ui/login.html"] else {
            return ServiceError.unauthorized(message: "missing token").response
        }
        let html = String(decoding: data.data, as: UTF8.self)
        var csp = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
        if let start = html.range(of: "<script>"), let end = html.range(of: "</script>", range: start.upperBound..<html.endIndex) {
            let script = Array(html[start.upperBound..<end.lowerBound].utf8)
            csp += "; script-src 'sha256-\(Data(SHA256.digest(script)).base64EncodedString())'"
        }
        return (try? response("ui/login.html", status: .unauthorized, csp: csp))
            ?? ServiceError.unauthorized(message: "missing token").response
    }
}
