import Runtime

/// What the restricted unpickler can build: plain data, containers, and tensor descriptions
/// (nothing is ever called; the allowed globals are markers interpreted by the machine).
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer wider than 64 bits (kept only to be reported as a skipped leaf).
    case bigInt
    case float(Double)
    case string(String)
    case bytes(Int)
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    case global(PickleGlobal)
    case storage(StorageRef)
    case tensor(TensorRef)

    /// A short name of the kind of value, for error messages.
    var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global(let g): return "global \(g)"
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }

    /// The dotted-name component this value gives as a dict key (`0` for optimizer state's
    /// int keys, the string itself for module names).
    var keyText: String {
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .float(let d): return String(d)
        case .string(let s): return s
        case .tuple(let items): return "(" + items.map(\.keyText).joined(separator: ", ") + ")"
        default: return "<\(kind)>"
        }
    }
}

/// A list, by reference: the pickle memo may hand out the same list to several places and
/// APPEND must be seen by all of them.
final class PickleList {
    var items: [PickleValue] = []
}

/// A dict or OrderedDict, by reference (see `PickleList`), keeping insertion order. Keys are
/// kept as their dotted-name text; `attributes` holds what BUILD set (`_metadata`).
final class PickleDict {
    private(set) var entries: [(key: String, value: PickleValue)] = []
    private var positions: [String: Int] = [:]
    var attributes: [(name: String, value: PickleValue)] = []

    func set(_ key: String, _ value: PickleValue) {
        if let i = positions[key] {
            entries[i].value = value
        } else {
            positions[key] = entries.count
            entries.append((key, value))
        }
    }
}

/// A persistent id `('storage', StorageType, key, location, numel)`: the bytes of archive
/// entry `data/<key>`.
struct StorageRef {
    var key: String
    /// The element type of a typed storage (`torch.FloatStorage`); nil for `UntypedStorage`.
    var dtype: DType?
    var byteCount: Int
}

/// A tensor as `torch._utils._rebuild_tensor_v2/v3` describe it: a strided view (in elements)
/// of a storage. A class, so that a tensor reached twice through the memo (tied weights) is
/// materialised once.
final class TensorRef {
    let storage: StorageRef
    let dtype: DType
    let offset: Int
    let size: [Int]
    let stride: [Int]

    init(storage: StorageRef, dtype: DType, offset: Int, size: [Int], stride: [Int]) {
        self.storage = storage
        self.dtype = dtype
        self.offset = offset
        self.size = size
        self.stride = stride
    }
}

/// The only globals a checkpoint may name. Each is a marker the unpickler interprets itself;
/// nothing is imported or called.
enum PickleGlobal: Equatable, CustomStringConvertible {
    case orderedDict
    case rebuildTensorV2
    case rebuildTensorV3
    case rebuildParameter
    case rebuildParameterWithState
    /// `torch.FloatStorage` and kin; nil: `torch.storage.UntypedStorage`.
    case storageType(DType?)
    /// `torch.uint16` and kin, which `_rebuild_tensor_v3` takes for its untyped storage.
    case dtype(DType)

    static let storageTypes: [String: DType] = [
        "FloatStorage": .float32, "DoubleStorage": .float64, "HalfStorage": .float16,
        "BFloat16Storage": .bfloat16, "LongStorage": .int64, "IntStorage": .int32,
        "ShortStorage": .int16, "CharStorage": .int8, "ByteStorage": .uint8, "BoolStorage": .bool,
    ]
    static let dtypes: [String: DType] = [
        "float32": .float32, "float64": .float64, "float16": .float16, "bfloat16": .bfloat16,
        "int64": .int64, "int32": .int32, "int16": .int16, "int8": .int8, "uint8": .uint8,
        "bool": .bool, "uint16": .uint16, "uint32": .uint32, "uint64": .uint64,
    ]

    init?(module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_tensor_v3"): self = .rebuildTensorV3
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): self = .rebuildParameterWithState
        case ("torch.storage", "UntypedStorage"), ("torch", "UntypedStorage"): self = .storageType(nil)
        case ("torch", _):
            if let d = Self.storageTypes[name] {
                self = .storageType(d)
            } else if let d = Self.dtypes[name] {
                self = .dtype(d)
            } else {
                return nil
            }
        default: return nil
        }
    }

    var description: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
        case .rebuildTensorV3: return "torch._utils._rebuild_tensor_v3"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .rebuildParameterWithState: return "torch._utils._rebuild_parameter_with_state"
        case .storageType(let d): return d.map { "torch storage of \($0)" } ?? "torch.storage.UntypedStorage"
        case .dtype(let d): return "torch.\(d)"
        }
    }
}
