import Foundation
import Hummingbird

/// `POST /v1/compare`, `/v1/judge` and `/v1/compress`: the CLI's commands over HTTP, answered with the
/// JSON their `--json` prints, from the same library code (`ToolService`). A server without a lineage
/// store answers 503: comparisons and judgments go through its response cache.
struct ToolRoutes: Sendable {
    let tools: ToolService?
    let maxBodyBytes: Int

    func add(to router: Router<BasicRequestContext>) {
        router.post("/v1/compare") { request, _ in
            await JSONReply.handle { try await requireTools().compare(try await JSONReply.collect(request, maxBytes: maxBodyBytes)) }
        }
        router.post("/v1/judge") { request, _ in
            await JSONReply.handle { try await requireTools().judge(try await JSONReply.collect(request, maxBytes: maxBodyBytes)) }
        }
        router.post("/v1/compress") { request, _ in
            await JSONReply.handle { try await requireTools().compress(try await JSONReply.collect(request, maxBytes: maxBodyBytes)) }
        }
    }

    func requireTools() throws -> ToolService {
        guard let tools else {
            throw ServiceError.unavailable(message: "this server has no lineage store (started without one): compare, judge "
                                           + "and compress are not served")
        }
        return tools
    }
}
