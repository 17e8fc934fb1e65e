// swift-tools-version:6.0
// Tollgate: LoRA fine-tuning, evaluation and go/no-go gating for local LLMs on the CPU.
import Foundation
import PackageDescription

// `make fuzz-build` sets TOLLGATE_FUZZ_INSTRUMENT=1 (see the end of this file).
let fuzzInstrument = ProcessInfo.processInfo.environment["TOLLGATE_FUZZ_INSTRUMENT"] == "1"

// Numeric targets are compiled without bounds checks in release builds: their loops are
// checked by tests against reference values instead. The fuzz build keeps the checks (plain -O),
// so an index or an overflow that a hostile file drives out of range traps there and is a finding.
let fastMath: [SwiftSetting] = fuzzInstrument ? [] : [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "Tollgate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tollgate", targets: ["tollgate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.60.0"),
        // SHA-256 of models, adapters and data (already built for AsyncHTTPClient).
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
    ],
    targets: [
        // C libraries and our C kernels, each imported by exactly one Swift file in TensorKit.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CLAPACKE", path: "Sources/CLAPACKE"),

        // Decode-time products on ggml's quantized blocks (AVX-512 / AVX2 / portable, chosen by cpuid).
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"], .when(configuration: .release))]),

        .target(name: "TensorKit", dependencies: ["CBLAS", "CLAPACKE", "CKernels"], swiftSettings: fastMath),
        .target(name: "ModelIO", swiftSettings: fastMath),
        // The sandboxed Jinja interpreter that renders a model's own chat template; the only place that knows Jinja.
        .target(name: "Templates"),
        .target(name: "Tokenizer", dependencies: ["ModelIO", "Templates"]),
        // JSONL examples (prompt/completion, messages, text) → validated records → token ids + loss masks.
        .target(name: "Corpus", dependencies: ["Tokenizer", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Llama", dependencies: ["TensorKit", "ModelIO", "Tokenizer"], swiftSettings: fastMath),
        .target(name: "Training", dependencies: ["Llama", "Corpus", "TensorKit", "ModelIO", "Tokenizer"], swiftSettings: fastMath),
        .target(name: "Metrics", swiftSettings: fastMath),
        .target(name: "Store", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "Gate", dependencies: ["Metrics"]),
        .target(name: "Reports", dependencies: ["Gate", "Metrics", "ModelIO"]),
        // OpenAI-compatible chat completions: concurrency, throttles, retries, SSE, usage. The only
        // importer of the HTTP library.
        .target(name: "Endpoints", dependencies: [
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .target(name: "Harness", dependencies: [
            "Llama", "Training", "Corpus", "Metrics", "Store", "Gate", "Reports", "Tokenizer", "ModelIO", "TensorKit",
            "Endpoints", "Privacy", "Templates", .product(name: "Yams", package: "Yams"),
        ]),
        // Personal-data detectors and redaction (pure text; no store, no model).
        .target(name: "Privacy"),
        .executableTarget(name: "tollgate", dependencies: [
            "Harness", "Endpoints", "Llama", "Training", "Corpus", "Metrics", "Store", "Gate", "Reports", "Tokenizer", "ModelIO", "TensorKit",
            .product(name: "ArgumentParser", package: "swift-argument-parser"), "Privacy",
        ]),

        // Coverage-guided fuzzing of every parser (`make fuzz`): one executable, the target named by
        // its first argument. A plain build replays corpus files; `make fuzz` adds libFuzzer.
        .target(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"),
        .executableTarget(name: "tollgate-fuzz", dependencies: [
            "CLibFuzzer", "ModelIO", "Tokenizer", "Llama", "Training", "Corpus", "Endpoints", "Harness", "Reports", "Store", "Gate",
        ], path: "Fuzz/Sources/tollgate-fuzz"),

        // Finds Tests/Fixtures and the built tollgate binary for every test target.
        .target(name: "TestSupport", path: "Tests/TestSupport"),

        .testTarget(name: "TensorKitTests", dependencies: ["TestSupport", "TensorKit", "ModelIO"]),
        .testTarget(name: "ModelIOTests", dependencies: ["TestSupport", "ModelIO"]),
        .testTarget(name: "TokenizerTests", dependencies: ["TestSupport", "Tokenizer", "ModelIO"]),
        .testTarget(name: "LlamaTests", dependencies: ["TestSupport", "Llama", "TensorKit", "ModelIO", "Tokenizer", "Training"]),
        .testTarget(name: "TrainingTests", dependencies: ["TestSupport", "Training", "Corpus", "Llama", "TensorKit", "ModelIO", "Tokenizer"]),
        .testTarget(name: "CorpusTests", dependencies: ["TestSupport", "Corpus", "Tokenizer", "ModelIO"]),
        .testTarget(name: "MetricsTests", dependencies: ["TestSupport", "Metrics"]),
        .testTarget(name: "StoreTests", dependencies: ["TestSupport", "Store", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "GateTests", dependencies: ["TestSupport", "Gate", "Metrics"]),
        .testTarget(name: "ReportsTests", dependencies: ["TestSupport", "Reports", "Gate", "Metrics"], exclude: ["Snapshots"]),
        .testTarget(name: "EndpointsTests", dependencies: [
            "TestSupport", "Endpoints",
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .testTarget(name: "HarnessTests", dependencies: ["TestSupport", "Harness", "Corpus", "Training", "Endpoints", "Privacy", "Llama",
                                                     "Store", "Metrics", .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "TollgateCLITests", dependencies: ["TestSupport", "tollgate", "Store", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "PrivacyTests", dependencies: ["TestSupport", "Privacy"]),
        .testTarget(name: "TemplatesTests", dependencies: ["TestSupport", "Templates"]),
    ],
    swiftLanguageModes: [.v5]
)

// `make fuzz-build` sets TOLLGATE_FUZZ_INSTRUMENT=1: Tollgate's own modules are compiled with
// AddressSanitizer and libFuzzer's coverage, while the dependencies (swift-nio, AsyncHTTPClient,
// swift-crypto, GRDB, Yams) are built plainly — they are not what is fuzzed, and instrumenting them
// made the fuzz build a second full build. tollgate-fuzz links the ASan runtime and libFuzzer's driver.
if fuzzInstrument {
    let coverage = "edge,trace-cmp,inline-8bit-counters,pc-table"
    for target in package.targets where target.type == .regular || target.type == .executable {
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-sanitize=address", "-sanitize-coverage=\(coverage)"])]
        target.cSettings = (target.cSettings ?? []) + [.unsafeFlags(["-fsanitize=address", "-fsanitize-coverage=\(coverage)"])]
        if target.name == "tollgate-fuzz" {
            target.swiftSettings! += [.define("TOLLGATE_LIBFUZZER")]
            target.linkerSettings = (target.linkerSettings ?? []) + [.unsafeFlags(["-sanitize=address", "-use-ld=lld"])]
        }
    }
}
