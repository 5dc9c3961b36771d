import ArgumentParser

/// The `seeing` command line. Each subcommand lives in its own file.
@main
struct Seeing: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seeing",
        abstract: "ONNX importer and runtime.",
        subcommands: [ConformanceCommand.self]
    )
}
