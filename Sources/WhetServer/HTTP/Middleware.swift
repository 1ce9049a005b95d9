import Foundation
import Hummingbird

/// Every error as a JSON body with its status (no route, wrong method, a handler's failure): the
/// outermost middleware, so nothing leaves the server as a bare status or a trace.
struct ErrorBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return JSONReply.response(for: error)
        }
    }
}

/// Refuses a body whose declared length is over the limit before reading it (413). Bodies without a
/// length are cut at the limit when a handler collects them (`JSONReply.collect`).
struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBytes: Int

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBytes {
            throw ServiceError.payloadTooLarge(limit: maxBytes)
        }
        return try await next(request, context)
    }
}

/// The bearer token on every route but `/health`. A browser has no header to send, so `GET`s also
/// accept the token as the `whet_token` cookie (SameSite=Strict, set by the login page); requests that
/// change anything need the header, which another site's page cannot send. A page of the web UI asked
/// for without the token gets the login page (with the 401).
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: AccessToken
    let loginPage: @Sendable () -> Response

    static var cookieName: String { "whet_token" }

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path == "/health" { return try await next(request, context) }
        if let header = request.headers[.authorization] {
            guard header.hasPrefix("Bearer ") else {
                throw ServiceError.unauthorized(message: "expected the header Authorization: Bearer TOKEN")
            }
            guard token.matches(header.dropFirst("Bearer ".count)) else {
                throw ServiceError.unauthorized(message: "invalid token")
            }
            return try await next(request, context)
        }
        let readOnly = request.method == .get || request.method == .head
        let cookie = request.cookies[Self.cookieName]
        if readOnly, let cookie, token.matches(Substring(cookie.value)) { return try await next(request, context) }
        if readOnly, path == "/" || path == "/ui" || path.hasPrefix("/ui/") { return loginPage() }
        if readOnly, cookie != nil { throw ServiceError.unauthorized(message: "invalid token") }
        throw ServiceError.unauthorized(
            message: "missing token: send the header Authorization: Bearer TOKEN (the token is printed by whet serve "
                + "at its first start and kept in the file beside the database, DB.token)")
    }
}
