import Foundation
import Hummingbird
import Logging
import WhetProviders

/// `whet serve`'s HTTP application, built the Hummingbird way so tests drive it in process
/// (`app.test(.router)`) or on a live loopback port. Throws when the configuration is unsafe
/// (beyond loopback without a token).
public func buildApplication(configuration: ServerConfiguration, provider: any ModelProvider, runs: RunManager? = nil,
                             tools: ToolService? = nil, files: StaticFiles = StaticFiles(), logger: Logger = Logger(label: "whet.serve"),
                             onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
    try configuration.validate()
    let service = OpenAIService(modelID: configuration.modelID, provider: provider)
    let router = buildRouter(service: service, configuration: configuration, runs: runs, tools: tools, files: files)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "whet"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}

/// Every route: the OpenAI API, runs, the tools, the web UI and the OpenAPI document, behind the error
/// body, the body limit and the token.
/// `tools` defaults to the tools over the runs' model and store (no default judge).
public func buildRouter(service: OpenAIService, configuration: ServerConfiguration, runs: RunManager? = nil,
                        tools: ToolService? = nil, files: StaticFiles = StaticFiles()) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: ErrorBodyMiddleware())
    router.add(middleware: BodyLimitMiddleware(maxBytes: configuration.maxBodyBytes))
    if let token = configuration.token {
        router.add(middleware: AuthMiddleware(token: token, loginPage: { files.loginPage() }))
    }
    let maxBodyBytes = configuration.maxBodyBytes
    router.get("/health") { _, _ -> Response in
        JSONReply.encode(HealthBody(status: "ok", model: service.modelID))
    }
    router.get("/v1/models") { _, _ -> Response in
        JSONReply.encode(service.models())
    }
    router.post("/v1/chat/completions") { request, _ -> Response in
        await JSONReply.handle {
            let body = try await JSONReply.decode(ChatCompletionRequestBody.self, from: request, maxBytes: maxBodyBytes)
            return try await service.chatCompletion(body)
        }
    }
    router.post("/v1/completions") { request, _ -> Response in
        await JSONReply.handle {
            let body = try await JSONReply.decode(CompletionRequestBody.self, from: request, maxBytes: maxBodyBytes)
            return try await service.completion(body)
        }
    }
    RunRoutes(manager: runs, maxBodyBytes: maxBodyBytes, heartbeat: configuration.heartbeat,
              pollInterval: configuration.pollInterval).add(to: router)
    ToolRoutes(tools: tools ?? runs.map { ToolService(environment: $0.environment) }, maxBodyBytes: maxBodyBytes).add(to: router)
    UIRoutes(files: files).add(to: router)
    return router
}

struct HealthBody: Codable {
    var status: String
    var model: String
}
