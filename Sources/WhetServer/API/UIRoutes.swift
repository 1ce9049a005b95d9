import Foundation
import Hummingbird

/// The web UI (static HTML, CSS and JavaScript from `Resources/ui`, no build step, nothing fetched from
/// elsewhere) and the OpenAPI document.
struct UIRoutes: Sendable {
    let files: StaticFiles

    static let assets = ["app.js", "app.css", "lineage.js", "charts.js"]

    func add(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.location] = "/ui/"
            return Response(status: .found, headers: headers)
        }
        router.get("/ui") { _, _ in try files.response("ui/index.html") }
        router.get("/ui/{file}") { _, context in
            let name = context.parameters.get("file") ?? ""
            guard Self.assets.contains(name) else { throw ServiceError.notFound(message: "no such file") }
            return try files.response("ui/\(name)")
        }
        router.get("/openapi.json") { _, _ in
            var response = try files.response("openapi.json")
            response.headers[.contentSecurityPolicy] = nil
            return response
        }
    }
}
