import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import WhetProviders
@testable import WhetServer

/// The token on every route but /health, JSON 4xx errors, the body limit, and the token file.
@Suite struct SecurityTests {
    /// A URI for a route pattern, with its parameters filled in.
    static func uri(_ pattern: String) -> String {
        pattern.replacingOccurrences(of: "{id}", with: "r-none").replacingOccurrences(of: "{candidate}", with: "1")
            .replacingOccurrences(of: "{file}", with: "app.js")
    }

    @Test func everyRouteButHealthWantsTheToken() async throws {
        let fixture = try ServiceFixture()
        defer { fixture.remove() }
        let routes = fixture.router.routes.map { (method: $0.method, path: $0.path.description) }
        #expect(routes.count == OpenAPIDocument.shared.operations.count)
        try await fixture.application().test(.router) { client in
            for route in routes {
                let path = Self.uri(route.path)
                for (headers, message) in [(ServiceFixture.headers(token: nil), "missing token"),
                                           (ServiceFixture.headers(token: "wrong-token-0123456789"), "invalid token")] {
                    let response = try await client.execute(uri: path, method: route.method, headers: headers)
                    if path == "/health" {
                        #expect(response.status == .ok)
                        continue
                    }
                    #expect(response.status == .unauthorized, "\(route.method) \(path)")
                    let isPage = route.method == .get && (path == "/" || path.hasPrefix("/ui")) && message == "missing token"
                    if isPage {
                        // A browser asking for a page without the token gets the login page, still a 401.
                        #expect(String(buffer: response.body).contains("<form id=\"login\">"))
                    } else {
                        let error = try #require(try json(response)["error"] as? [String: Any], "\(route.method) \(path)")
                        #expect(error["type"] as? String == "authentication_error")
                        #expect((error["message"] as? String)?.contains(message) == true, "\(error)")
                        #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="whet""#)
                    }
                }
            }
        }
    }

    @Test func theTokenOpensTheAPIAndTheCookieOnlyReads() async throws {
        let fixture = try ServiceFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let models = try await client.execute(uri: "/v1/models", method: .get, headers: ServiceFixture.headers())
            #expect(models.status == .ok)
            var cookie = HTTPFields()
            cookie[.cookie] = "whet_token=\(ServiceFixture.token)"
            #expect(try await client.execute(uri: "/v1/runs", method: .get, headers: cookie).status == .ok)
            #expect(try await client.execute(uri: "/ui", method: .get, headers: cookie).status == .ok)
            // A cookie alone never changes anything: another site's page could send it, not the header.
            let post = try await client.execute(uri: "/v1/runs/r-x/cancel", method: .post, headers: cookie)
            #expect(post.status == .unauthorized)
            var wrong = HTTPFields()
            wrong[.cookie] = "whet_token=nope-nope-nope-nope"
            #expect(try await client.execute(uri: "/v1/runs", method: .get, headers: wrong).status == .unauthorized)
            var basic = HTTPFields()
            basic[.authorization] = "Basic dXNlcjpwYXNz"
            #expect(try await client.execute(uri: "/v1/runs", method: .get, headers: basic).status == .unauthorized)
        }
    }

    @Test func bodiesOverTheLimitGet413() async throws {
        let fixture = try ServiceFixture(maxBodyBytes: 4096)
        defer { fixture.remove() }
        let big = ByteBuffer(string: #"{"task":""# + String(repeating: "x", count: 10_000) + #""}"#)
        try await fixture.application().test(.router) { client in
            for path in ["/v1/runs", "/v1/chat/completions", "/v1/compare"] {
                let response = try await client.execute(uri: path, method: .post, headers: ServiceFixture.headers(json: true), body: big)
                #expect(response.status == .contentTooLarge, "\(path)")
                let error = try #require(try json(response)["error"] as? [String: Any])
                #expect(error["type"] as? String == "request_too_large")
                #expect((error["message"] as? String)?.contains("4096") == true)
            }
        }
        #expect(try fixture.store.runs().isEmpty)
    }

    @Test func unknownRoutesAndRunsAreJSON404s() async throws {
        let fixture = try ServiceFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            for (path, method) in [("/v1/nothing", HTTPRequest.Method.get), ("/v1/runs/r-missing", .get),
                                   ("/v1/runs/r-missing/lineage", .get), ("/v1/runs/r-missing/events", .get),
                                   ("/v1/runs/r-missing/cancel", .post), ("/v1/runs", .delete), ("/ui/secrets.txt", .get)] {
                let response = try await client.execute(uri: path, method: method, headers: ServiceFixture.headers())
                #expect(response.status == .notFound, "\(method) \(path)")
                #expect(try json(response)["error"] != nil)
            }
        }
    }

    @Test func theServerRefusesToListenBeyondLoopbackWithoutAToken() throws {
        for host in ["0.0.0.0", "::", "192.168.1.4", "example.org"] {
            #expect(throws: ServerConfigurationError.self) {
                try ServerConfiguration(host: host, modelID: "m", token: nil).validate()
            }
            try ServerConfiguration(host: host, modelID: "m", token: try AccessToken("a-long-enough-token")).validate()
        }
        for host in ["127.0.0.1", "localhost", "::1", "127.0.0.2"] {
            try ServerConfiguration(host: host, modelID: "m", token: nil).validate()
        }
        #expect(throws: ServerConfigurationError.self) {
            _ = try buildApplication(configuration: ServerConfiguration(host: "0.0.0.0", modelID: "m"),
                                     provider: LocalProvider(backend: DeterministicBackend()))
        }
    }

    @Test func aTokenIsGeneratedOnceIntoAPrivateFileBesideTheDatabase() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("whet-token-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("l.sqlite").path
        let (first, source) = try AccessToken.resolve(explicit: nil, environment: nil, database: db)
        #expect(source == .generated(db + ".token"))
        #expect(first.value.count == 64)
        let mode = try FileManager.default.attributesOfItem(atPath: db + ".token")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let (again, sourceAgain) = try AccessToken.resolve(explicit: nil, environment: "", database: db)
        #expect(again == first && sourceAgain == .file(db + ".token"))
        let (fromEnvironment, _) = try AccessToken.resolve(explicit: nil, environment: "from-the-environment-1", database: db)
        #expect(fromEnvironment.value == "from-the-environment-1")
        let (explicit, _) = try AccessToken.resolve(explicit: "given-on-the-command-line", environment: "from-the-environment-1", database: db)
        #expect(explicit.value == "given-on-the-command-line")
        // A token file others can read is refused, not used.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: db + ".token")
        #expect(throws: AccessTokenError.tooOpen(db + ".token", "644")) {
            _ = try AccessToken.resolve(explicit: nil, environment: nil, database: db)
        }
        #expect(throws: AccessTokenError.tooShort(AccessToken.minimumLength)) { _ = try AccessToken("short") }
        #expect(throws: AccessTokenError.badCharacters) { _ = try AccessToken("has a space in it, sixteen+") }
    }

    @Test func tokensCompareOnlyEqual() throws {
        let token = try AccessToken("0123456789abcdef0123")
        #expect(token.matches("0123456789abcdef0123"))
        for other in ["0123456789abcdef012", "0123456789abcdef01234", "1123456789abcdef0123", "0123456789abcdef0124", ""] {
            #expect(!token.matches(Substring(other)))
        }
    }
}
