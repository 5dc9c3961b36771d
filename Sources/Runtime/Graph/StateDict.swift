/// Named weights in a stable order, as a checkpoint holds them (`layer1.conv.weight` → tensor).
/// The common currency between checkpoint readers (PyTorch, safetensors, ONNX initializers)
/// and the architecture builders that bind weights by name.
public struct StateDict {
    public private(set) var names: [String] = []
    public private(set) var tensors: [String: Tensor] = [:]

    public init() {}

    public init(_ pairs: [(String, Tensor)]) {
        for (n, t) in pairs { self[n] = t }
    }

    public var count: Int { names.count }
    public var isEmpty: Bool { names.isEmpty }

    public subscript(name: String) -> Tensor? {
        get { tensors[name] }
        set {
            if let newValue {
                if tensors[name] == nil { names.append(name) }
                tensors[name] = newValue
            } else if tensors.removeValue(forKey: name) != nil {
                names.removeAll { $0 == name }
            }
        }
    }

    /// The entries under `prefix.` with that prefix removed (e.g. `netG_state_dict.` of a
    /// training checkpoint that nests the generator's dict).
    public func subdict(_ prefix: String) -> StateDict {
        let p = prefix.hasSuffix(".") ? prefix : prefix + "."
        return StateDict(names.filter { $0.hasPrefix(p) }.map { (String($0.dropFirst(p.count)), tensors[$0]!) })
    }

    /// The same entries with `prefix` put in front of every name.
    public func prefixed(_ prefix: String) -> StateDict {
        StateDict(names.map { (prefix + $0, tensors[$0]!) })
    }
}
