import ArgumentParser
import Foundation
import Importer
import Plugins

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a registered model as one ONNX file (weights inline, layers under their public names).")

    @OptionGroup var options: PluginsOptions
    @Argument(help: "A model id.") var id: String
    @Argument(help: "The ONNX file to write.") var out: String

    func run() throws {
        let plugin = try options.zoo().load(id)
        try ONNXExporter.write(plugin.exportable, to: out, externalData: .never)
        let g = plugin.model.graph
        print("wrote \(out): \(plugin.interface.kind) '\(id)' (\(plugin.architecture)), opset \(plugin.model.opset), "
            + "\(g.nodes.count) nodes, \(g.parameterCount.formatted()) parameters")
        print("inputs: " + plugin.interface.inputs.map(\.description).joined(separator: ", "))
        print("outputs: " + plugin.interface.outputs.map(\.description).joined(separator: ", "))
        if !plugin.interface.layers.isEmpty { print("layers: " + plugin.interface.layerNames.joined(separator: ", ")) }
    }
}
