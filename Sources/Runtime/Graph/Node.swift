/// One operator application. Inputs and outputs are value names; an empty input name is an
/// omitted optional input (ONNX convention).
public struct Node {
    public var name: String
    public var opType: String
    public var domain: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [String: Attribute]

    public init(name: String = "", opType: String, domain: String = "", inputs: [String], outputs: [String],
                attributes: [String: Attribute] = [:]) {
        self.name = name
        self.opType = opType
        self.domain = domain == "ai.onnx" ? "" : domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }

    /// "Conv 'conv1'" or "Conv (output y)" when unnamed: how errors refer to a node.
    public var label: String {
        name.isEmpty ? "\(opType) (output '\(outputs.first ?? "?")')" : "\(opType) '\(name)'"
    }

    // MARK: typed attribute access

    public func has(_ key: String) -> Bool { attributes[key] != nil }

    public func int(_ key: String) -> Int? {
        if case .int(let v)? = attributes[key] { return v }
        return nil
    }
    public func int(_ key: String, default d: Int) -> Int { int(key) ?? d }

    public func float(_ key: String) -> Float? {
        switch attributes[key] {
        case .float(let v)?: return v
        case .int(let v)?: return Float(v)
        default: return nil
        }
    }
    public func float(_ key: String, default d: Float) -> Float { float(key) ?? d }

    public func string(_ key: String) -> String? {
        if case .string(let v)? = attributes[key] { return v }
        return nil
    }
    public func string(_ key: String, default d: String) -> String { string(key) ?? d }

    public func ints(_ key: String) -> [Int]? {
        switch attributes[key] {
        case .ints(let v)?: return v
        case .int(let v)?: return [v]
        default: return nil
        }
    }
    public func floats(_ key: String) -> [Float]? {
        switch attributes[key] {
        case .floats(let v)?: return v
        case .float(let v)?: return [v]
        default: return nil
        }
    }
    public func strings(_ key: String) -> [String]? {
        if case .strings(let v)? = attributes[key] { return v }
        return nil
    }
    public func tensor(_ key: String) -> Tensor? {
        if case .tensor(let v)? = attributes[key] { return v }
        return nil
    }
}
