import Foundation
import WhetCore
@testable import WhetInference

/// One engine and the llama.cpp reference outputs, shared by every engine test
/// (loading dequantises ~430 MB of weights; once is enough).
enum EngineTestSupport {
    struct Reference: Decodable {
        struct Greedy: Decodable { let prompt: String; let prompt_ids: [Int32]; let greedy_ids: [Int32] }
        struct Top: Decodable { let id: Int32; let logit: Float; let logprob: Double }
        struct Next: Decodable { let prompt: String; let prompt_ids: [Int32]; let top: [Top] }
        struct NLL: Decodable { let text: String; let ids: [Int32]; let mean_nll: Double; let token_nll: [Double] }
        let greedy: [Greedy]
        let next_token: [Next]
        let nll: [NLL]
    }

    static let reference: Reference = {
        let url = Bundle.module.url(forResource: "Fixtures/smollm2-135m-instruct-q4_1.llama-cpp", withExtension: "json")
            ?? Bundle.module.resourceURL!.appendingPathComponent("Fixtures/smollm2-135m-instruct-q4_1.llama-cpp.json")
        // A missing fixture must fail the tests that use it, not skip them.
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }()

    static let loaded: Result<LlamaEngine, any Error> = Result {
        try LlamaEngine(modelURL: ModelLocator.defaultGGUF())
    }

    static func engine() throws -> LlamaEngine { try loaded.get() }
}
