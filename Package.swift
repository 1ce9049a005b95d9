// swift-tools-version:6.0
import PackageDescription

// Numeric targets are compiled with optimisation even in debug builds: a debug
// forward pass is ~30x slower, which would make the model tests and every
// `swift test` run crawl. Measured on the 2-core CI machines.
let hotSwift: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"])]
let hotC: [CSetting] = [.unsafeFlags(["-O3", "-march=x86-64-v3", "-mfma", "-mf16c"])]

let package = Package(
    name: "Whetstone",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "whet", targets: ["whet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
    ],
    targets: [
        // System libraries, as GRDB does for SQLite: a module map and a shim header.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        // SIMD kernels for the engine's hot loops (integer block products, attention, the thread pool).
        .target(name: "CWhetKernels", cSettings: hotC),

        // Domain types and file formats: tasks, prompts, judges, errors.
        .target(name: "WhetCore", dependencies: [
            .product(name: "Yams", package: "Yams"),
            .product(name: "SwiftCSV", package: "SwiftCSV"),
        ]),
        // The lineage store: runs, candidates, evaluations, judgments, call cache.
        .target(name: "WhetStore", dependencies: [
            "WhetCore",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // In-process GGUF inference: reader, tensors, tokenizer, llama, engine.
        .target(name: "WhetInference", dependencies: ["COpenBLAS", "CWhetKernels", "WhetCore"],
                swiftSettings: hotSwift),
        // Sentence embeddings (BERT / all-MiniLM-L6-v2) and clustering.
        .target(name: "WhetEmbeddings", dependencies: ["COpenBLAS", "WhetCore"],
                swiftSettings: hotSwift),
        // Local and remote models behind one protocol.
        .target(name: "WhetProviders", dependencies: [
            "WhetCore", "WhetStore", "WhetInference", "CCurl",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Evaluating prompt candidates on a task: prompts, scoring, lineage records.
        .target(name: "WhetEvaluation", dependencies: ["WhetCore", "WhetStore", "WhetProviders", "WhetCompression"]),
        // `whet serve`: any model behind an OpenAI-compatible API, runs over HTTP with live events,
        // the web UI (static files in Resources/ui) and the OpenAPI document.
        .target(name: "WhetServer", dependencies: [
            "WhetCore", "WhetStore", "WhetProviders", "WhetEvaluation", "WhetInference", "WhetEmbeddings", "WhetOptimizer",
            "WhetJudging", "WhetCompression",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ], resources: [.copy("Resources")]),
        // Context compression (token- and sentence-level, question-aware) to a token budget.
        .target(name: "WhetCompression", dependencies: ["WhetCore", "WhetInference", "WhetEmbeddings"]),
        // Pairwise judges, head-to-head comparison, its statistics and reports (library for compare and optimize).
        .target(name: "WhetJudging", dependencies: [
            "WhetCore", "WhetStore", "WhetProviders", "WhetInference", "WhetEmbeddings", "WhetEvaluation",
        ]),
        // The optimizer: candidates, proposal and exemplar operators, readouts, search, the run loop.
        .target(name: "WhetOptimizer", dependencies: [
            "WhetCore", "WhetStore", "WhetProviders", "WhetEmbeddings", "WhetEvaluation", "WhetJudging",
        ]),
        // The command line, as a library so tests can drive it in-process.
        .target(name: "WhetCLI", dependencies: [
            "WhetCore", "WhetStore", "WhetInference", "WhetEmbeddings", "WhetProviders", "WhetServer",
            "WhetEvaluation", "WhetJudging", "WhetOptimizer", "WhetCompression",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "whet", dependencies: ["WhetCLI", "WhetInference"]),

        .testTarget(name: "WhetCoreTests", dependencies: ["WhetCore"]),
        .testTarget(name: "WhetStoreTests", dependencies: ["WhetStore", "WhetCore"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "WhetInferenceTests", dependencies: ["WhetInference", "WhetCore"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "WhetEmbeddingsTests", dependencies: ["WhetEmbeddings", "WhetCore"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "WhetProvidersTests", dependencies: ["WhetProviders", "WhetStore", "WhetCore"]),
        .testTarget(name: "WhetServerTests", dependencies: [
            "WhetServer", "WhetProviders", "WhetCore", "WhetStore", "WhetJudging", "WhetCompression", "WhetOptimizer",
            "WhetEmbeddings", "WhetEvaluation",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "WhetJudgingTests", dependencies: ["WhetJudging", "WhetCore", "WhetStore", "WhetProviders"]),
        .testTarget(name: "WhetCompressionTests", dependencies: ["WhetCompression", "WhetCore", "WhetInference"]),
        .testTarget(name: "WhetCLITests", dependencies: ["WhetCLI", "WhetStore", "WhetCore"]),
        .testTarget(name: "WhetOptimizerTests", dependencies: [
            "WhetOptimizer", "WhetJudging", "WhetCore", "WhetStore", "WhetProviders", "WhetEmbeddings",
        ]),
    ]
)
