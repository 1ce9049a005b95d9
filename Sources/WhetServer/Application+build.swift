import Foundation
import Hummingbird
import Logging
import WhetProviders

/// `whet serve`'s HTTP application, built the Hummingbird way so tests drive it in process
/// (`app.test(.router)`) or on a live loopback port.
public func buildApplication(configuration: ServerConfiguration, provider: any ModelProvider,
                             logger: Logger = Logger(label: "whet.serve"),
                             onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    let service = OpenAIService(modelID: configuration.modelID, provider: provider)
    let router = buildRouter(service: service, maxBodyBytes: configuration.maxBodyBytes)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "whet"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}

public func buildRouter(service: OpenAIService, maxBodyBytes: Int = 4 << 20) -> Router<BasicRequestContext> {
    let router = Router()
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
    return router
}

struct HealthBody: Codable {
    var status: String
    var model: String
}
