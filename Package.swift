// swift-tools-version:5.10
import PackageDescription

let package = Package(
    name: "Seeing",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Runtime", targets: ["Runtime"]),
        .library(name: "Importer", targets: ["Importer"]),
        .library(name: "Plugins", targets: ["Plugins"]),
        .executable(name: "seeing", targets: ["seeing"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // System libraries (C APIs only). Debian ships no pkg-config file for oneDNN.
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng"),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg"),
        .systemLibrary(name: "CFreeType", path: "Sources/CFreeType", pkgConfig: "freetype2"),

        .target(name: "Runtime", dependencies: ["CDNNL", "COpenBLAS"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        .target(name: "Importer", dependencies: [
            "Runtime", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        // SHA-256 in C: model files of hundreds of MB are checked fast in debug builds too.
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto"),
        .target(name: "Plugins", dependencies: ["Runtime", "Importer", "CPNG", "CJPEG", "CFreeType", "CCrypto", "COpenBLAS"]),
        .target(name: "Conformance", dependencies: ["Runtime", "Importer"]),
        .executableTarget(name: "seeing", dependencies: [
            "Runtime", "Importer", "Plugins", "Conformance",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Builders for hand-made ONNX protos, shared by the test targets.
        .target(name: "ONNXTestSupport", dependencies: [
            "Importer", "Runtime", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ], path: "Tests/ONNXTestSupport"),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime"]),
        .testTarget(name: "ImporterTests", dependencies: [
                        "Importer", "Runtime", "ONNXTestSupport", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                    ],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "ConformanceTests", dependencies: [
                        "Conformance", "Importer", "Runtime", "ONNXTestSupport", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                    ],
                    exclude: ["manifest.txt"]),
        .testTarget(name: "ParityTests", dependencies: ["Importer", "Runtime", "ONNXTestSupport"]),
        .testTarget(name: "PluginsTests", dependencies: ["Plugins", "Importer", "Runtime", "ONNXTestSupport"],
                    resources: [.copy("Images/Fixtures"), .copy("Networks/TorchFixtures")]),
        .testTarget(name: "CLITests", dependencies: [
            "Importer", "Runtime", "Plugins", "seeing", "ONNXTestSupport", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
    ]
)
