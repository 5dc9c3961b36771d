import Runtime

/// A model ready to run: its graph, with named layers under their public names, and its
/// interface. Every kind of plugin (built in Swift or given as ONNX) ends up as one of these.
public struct PluginModel {
    public var id: String
    public var architecture: String
    public var model: Model
    public var interface: PluginInterface

    public init(id: String, architecture: String, model: Model, interface: PluginInterface) {
        self.id = id
        self.architecture = architecture
        self.model = model
        self.interface = interface
    }

    /// Renames each layer's graph value (`tensor`) to its public name, so that graph surgery,
    /// sessions and exports use the names plugins.json gives.
    public func withPublicLayerNames() -> PluginModel {
        var m = self
        for layer in interface.layers where layer.tensor != layer.name {
            m.model.graph = Self.rename(m.model.graph, layer.tensor, to: layer.name)
            // A port on the same value (a feature net's last layer) follows the rename.
            for k in m.interface.outputs.indices where m.interface.outputs[k].name == layer.tensor {
                m.interface.outputs[k].name = layer.name
            }
        }
        m.interface.layers = interface.layers.map { NamedLayer($0.name) }
        return m
    }

    static func rename(_ graph: Graph, _ old: String, to new: String) -> Graph {
        var g = graph
        for i in g.nodes.indices {
            g.nodes[i].inputs = g.nodes[i].inputs.map { $0 == old ? new : $0 }
            g.nodes[i].outputs = g.nodes[i].outputs.map { $0 == old ? new : $0 }
        }
        g.outputs = g.outputs.map { v in v.name == old ? ValueInfo(name: new, dtype: v.dtype, shape: v.shape) : v }
        if let v = g.valueInfo.removeValue(forKey: old) { g.valueInfo[new] = ValueInfo(name: new, dtype: v.dtype, shape: v.shape) }
        return g
    }

    /// The model with the plugin's identity in its metadata (what `seeing export` writes).
    public var exportable: Model {
        var m = model
        m.metadata["seeing.id"] = id
        m.metadata["seeing.kind"] = interface.kind.rawValue
        m.metadata["seeing.architecture"] = architecture
        if !interface.layers.isEmpty { m.metadata["seeing.layers"] = JSONPrinter.compact(.strings(interface.layerNames)) }
        if let labels = interface.labels { m.metadata["seeing.labels"] = JSONPrinter.compact(.strings(labels)) }
        return m
    }
}
