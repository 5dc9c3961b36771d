import ArgumentParser

/// The `seeing` command line. Each subcommand lives in its own file.
@main
struct Seeing: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seeing",
        abstract: "Seeing: import, run and benchmark ONNX generators, segmenters and feature nets.",
        subcommands: [InspectCommand.self, RunCommand.self, GradCommand.self, SampleCommand.self, SegmentCommand.self, BenchCommand.self,
                      InvertZCommand.self, TrainEncoderCommand.self, ZooCommand.self, ImportCommand.self, ExportCommand.self,
                      StatsCommand.self, FSDCommand.self,
                      ConformanceCommand.self]
    )

    static func main() {
        ThreadingDefaults.apply()
        main(nil)
    }
}
