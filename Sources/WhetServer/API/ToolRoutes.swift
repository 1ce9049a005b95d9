import Foundation
import Hummingbird

/// `POST /v1/compare`, `/v1/judge` and `/v1/compress`: the CLI's commands over HTTP, answered with the
/// JSON their `--json` prints, from the same library code. Until a command's library is in this build,
/// its route answers 501 and says which.
struct ToolRoutes: Sendable {
    let maxBodyBytes: Int

    static let unavailable: [(path: String, command: String, library: String)] = [
        ("/v1/compare", "whet compare", "WhetJudging"),
        ("/v1/judge", "whet judge", "WhetJudging"),
        ("/v1/compress", "whet compress", "WhetCompression"),
    ]

    func add(to router: Router<BasicRequestContext>) {
        for route in Self.unavailable {
            router.post(RouterPath(route.path)) { request, _ in
                do {
                    // The body is read (and refused past the limit) like any other.
                    _ = try await JSONReply.collect(request, maxBytes: maxBodyBytes)
                    throw ServiceError.notImplemented(
                        message: "\(route.path) (\(route.command)) is not available in this build: the \(route.library) library "
                            + "is not part of it yet")
                } catch {
                    return JSONReply.response(for: error)
                }
            }
        }
    }
}
