import Runtime

/// A pickle machine for PyTorch state dicts that never runs code: it implements the opcodes
/// `torch.save` emits (protocols 2–5) and interprets the few allowed globals (`PickleGlobal`)
/// itself. Anything else — another global such as `os.system` or `builtins.eval`, an opcode
/// outside the set, a call of a non-callable — is refused with its byte offset.
struct Unpickler {
    private let reader: ByteReader
    private let file: String
    /// The archive entry being read (`archive/data.pkl`), for messages.
    private let entry: String
    private var position = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    /// Where the opcode being executed starts.
    private var opcodeStart = 0

    init(bytes: UnsafeRawBufferPointer, file: String, entry: String) {
        reader = ByteReader(bytes: bytes)
        self.file = file
        self.entry = entry
    }

    mutating func load() throws -> PickleValue {
        while true {
            opcodeStart = position
            guard let byte = reader.u8(position) else { throw corrupt("the pickle ends without STOP (truncated)") }
            position += 1
            guard let op = PickleOpcode(rawValue: byte) else {
                throw refused("unknown pickle opcode 0x\(String(byte, radix: 16))")
            }
            switch op {
            case .PROTO:
                let version = try unsigned(1)
                guard version <= 5 else { throw CheckpointError(.unsupported, file: file, at("pickle protocol \(version) (supported: 2–5)")) }
            case .FRAME:
                // A buffering hint: the frame's bytes are just the following opcodes.
                let length = try unsigned(8)
                guard length <= reader.count - position else { throw corrupt("FRAME of \(length) bytes runs past the end") }
            case .STOP:
                return try pop()
            case .MARK: marks.append(stack.count)
            case .EMPTY_DICT: stack.append(.dict(PickleDict()))
            case .EMPTY_LIST: stack.append(.list(PickleList()))
            case .EMPTY_TUPLE: stack.append(.tuple([]))
            case .TUPLE: stack.append(.tuple(try popToMark()))
            case .TUPLE1: stack.append(.tuple(try pop(1)))
            case .TUPLE2: stack.append(.tuple(try pop(2)))
            case .TUPLE3: stack.append(.tuple(try pop(3)))
            case .SETITEM: try setItems(try pop(2))
            case .SETITEMS: try setItems(try popToMark())
            case .APPEND: try append(try pop(1))
            case .APPENDS: try append(try popToMark())
            case .BINPUT: try memoize(try unsigned(1))
            case .LONG_BINPUT: try memoize(try unsigned(4))
            case .MEMOIZE: try memoize(memo.count)
            case .BINGET: try recall(try unsigned(1))
            case .LONG_BINGET: try recall(try unsigned(4))
            case .BININT: stack.append(.int(Int(Int32(truncatingIfNeeded: try unsigned(4)))))
            case .BININT1: stack.append(.int(try unsigned(1)))
            case .BININT2: stack.append(.int(try unsigned(2)))
            case .LONG1: stack.append(try long(length: try unsigned(1)))
            case .BINFLOAT:
                let bits = try bytes(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } // big-endian
                stack.append(.float(Double(bitPattern: bits)))
            case .NEWTRUE: stack.append(.bool(true))
            case .NEWFALSE: stack.append(.bool(false))
            case .NONE: stack.append(.none)
            case .SHORT_BINUNICODE: stack.append(.string(try text(length: try unsigned(1))))
            case .BINUNICODE: stack.append(.string(try text(length: try unsigned(4))))
            case .BINUNICODE8: stack.append(.string(try text(length: try unsigned(8))))
            case .SHORT_BINBYTES: stack.append(.bytes(try bytes(try unsigned(1)).count))
            case .BINBYTES: stack.append(.bytes(try bytes(try unsigned(4)).count))
            case .BINPERSID: stack.append(try persistentLoad(try pop()))
            case .GLOBAL:
                let module = try line(), name = try line()
                stack.append(.global(try global(module, name)))
            case .STACK_GLOBAL:
                let pair = try pop(2)
                guard case .string(let module) = pair[0], case .string(let name) = pair[1] else {
                    throw corrupt("STACK_GLOBAL needs two strings, got \(pair[0].kind) and \(pair[1].kind)")
                }
                stack.append(.global(try global(module, name)))
            case .REDUCE:
                let call = try pop(2)
                stack.append(try reduce(call[0], call[1]))
            case .BUILD:
                let state = try pop()
                try build(state)
            default:
                throw refused("unsupported pickle opcode \(op) ('\(printable(byte))'); a weights file needs only "
                    + "containers, numbers, strings, tensors and storages")
            }
        }
    }

    // MARK: operands

    private mutating func bytes(_ n: Int) throws -> UnsafeRawBufferPointer {
        guard let b = reader.slice(position, n) else {
            throw corrupt("\(n)-byte operand runs past the end of the \(reader.count)-byte pickle (truncated)")
        }
        position += n
        return b
    }

    /// A little-endian unsigned operand of `width` bytes.
    private mutating func unsigned(_ width: Int) throws -> Int {
        let b = try bytes(width)
        var v: UInt64 = 0
        for i in stride(from: width - 1, through: 0, by: -1) { v = v << 8 | UInt64(b[i]) }
        guard v <= UInt64(Int.max) else { throw corrupt("operand \(v) is too large") }
        return Int(v)
    }

    /// LONG1: a little-endian two's-complement integer of `length` bytes.
    private mutating func long(length: Int) throws -> PickleValue {
        let b = try bytes(length)
        guard length <= 8 else { return .bigInt }
        guard length > 0 else { return .int(0) }
        var v: UInt64 = b[length - 1] & 0x80 != 0 ? ~0 : 0 // sign extension
        for i in stride(from: length - 1, through: 0, by: -1) { v = v << 8 | UInt64(b[i]) }
        return .int(Int(Int64(bitPattern: v)))
    }

    private mutating func text(length: Int) throws -> String {
        let b = try bytes(length)
        guard let s = String(validating: b, as: UTF8.self) else { throw corrupt("string is not valid UTF-8") }
        return s
    }

    /// A newline-terminated operand of GLOBAL.
    private mutating func line() throws -> String {
        var end = position
        while let c = reader.u8(end), c != 0x0A { end += 1 }
        guard end < reader.count else { throw corrupt("GLOBAL operand has no terminating newline") }
        let s = String(decoding: try bytes(end - position), as: UTF8.self)
        position += 1
        return s
    }

    // MARK: stack and memo

    private mutating func pop() throws -> PickleValue {
        guard let v = stack.popLast(), stack.count >= (marks.last ?? 0) else { throw corrupt("stack underflow") }
        return v
    }

    private mutating func pop(_ n: Int) throws -> [PickleValue] {
        guard stack.count - n >= (marks.last ?? 0) else { throw corrupt("stack underflow") }
        defer { stack.removeLast(n) }
        return Array(stack.suffix(n))
    }

    private mutating func popToMark() throws -> [PickleValue] {
        guard let m = marks.popLast() else { throw corrupt("no MARK on the stack") }
        defer { stack.removeSubrange(m...) }
        return Array(stack[m...])
    }

    private mutating func memoize(_ index: Int) throws {
        guard let top = stack.last else { throw corrupt("memo store from an empty stack") }
        memo[index] = top
    }

    private mutating func recall(_ index: Int) throws {
        guard let v = memo[index] else { throw corrupt("memo entry \(index) was never stored") }
        stack.append(v)
    }

    private func top() throws -> PickleValue {
        guard let v = stack.last, stack.count > (marks.last ?? 0) else { throw corrupt("stack underflow") }
        return v
    }

    private mutating func setItems(_ items: [PickleValue]) throws {
        guard case .dict(let d) = try top() else { throw refused("SETITEM on a \(try top().kind); only dicts accept items") }
        guard items.count % 2 == 0 else { throw corrupt("SETITEMS with an odd number (\(items.count)) of keys and values") }
        for i in stride(from: 0, to: items.count, by: 2) { d.set(items[i].keyText, items[i + 1]) }
    }

    private mutating func append(_ items: [PickleValue]) throws {
        guard case .list(let l) = try top() else { throw refused("APPEND on a \(try top().kind); only lists accept items") }
        l.items.append(contentsOf: items)
    }

    // MARK: globals and calls

    private func global(_ module: String, _ name: String) throws -> PickleGlobal {
        guard let g = PickleGlobal(module: module, name: name) else {
            throw refused("refused global '\(module).\(name)': only tensors, storages and containers "
                + "(collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch.*Storage) are allowed; "
                + "a checkpoint must never run code")
        }
        return g
    }

    /// `callable(*args)` for the allowed globals, interpreted here.
    private func reduce(_ callable: PickleValue, _ argument: PickleValue) throws -> PickleValue {
        guard case .global(let g) = callable else { throw refused("REDUCE of a \(callable.kind), which is not callable") }
        guard case .tuple(let args) = argument else { throw corrupt("REDUCE arguments are a \(argument.kind), not a tuple") }
        switch g {
        case .orderedDict:
            guard args.isEmpty else { throw corrupt("collections.OrderedDict called with \(args.count) arguments (expected none)") }
            return .dict(PickleDict())
        case .rebuildTensorV2, .rebuildTensorV3:
            let v3 = g == .rebuildTensorV3
            // (storage, offset, size, stride, requires_grad, hooks[, dtype (v3)][, metadata])
            let base = v3 ? 7 : 6
            guard args.count == base || args.count == base + 1 else {
                throw corrupt("\(g) called with \(args.count) arguments (expected \(base) or \(base + 1))")
            }
            guard case .storage(let storage) = args[0] else { throw corrupt("\(g): first argument is a \(args[0].kind), not a storage") }
            let dtype: DType
            if v3 {
                guard case .global(.dtype(let d)) = args[6] else { throw corrupt("\(g): argument 7 is a \(args[6].kind), not a torch dtype") }
                dtype = d
            } else {
                guard let d = storage.dtype else { throw corrupt("\(g) on an untyped storage (no element type)") }
                dtype = d
            }
            guard case .int(let offset) = args[1] else { throw corrupt("\(g): storage offset is a \(args[1].kind)") }
            let size = try ints(args[2], "size", g), stride = try ints(args[3], "stride", g)
            guard size.count == stride.count else {
                throw corrupt("\(g): size \(size) and stride \(stride) have different ranks")
            }
            return .tensor(TensorRef(storage: storage, dtype: dtype, offset: offset, size: size, stride: stride))
        case .rebuildParameter, .rebuildParameterWithState:
            // (data, requires_grad, hooks[, state]): the parameter is its data.
            guard args.count == (g == .rebuildParameter ? 3 : 4), case .tensor = args[0] else {
                throw corrupt("\(g) called with \(args.count) arguments that do not start with a tensor")
            }
            return args[0]
        case .storageType, .dtype:
            throw refused("calling \(g) is not allowed")
        }
    }

    private func ints(_ v: PickleValue, _ what: String, _ g: PickleGlobal) throws -> [Int] {
        guard case .tuple(let items) = v else { throw corrupt("\(g): \(what) is a \(v.kind), not a tuple") }
        return try items.map {
            guard case .int(let i) = $0 else { throw corrupt("\(g): \(what) holds a \($0.kind), not an int") }
            return i
        }
    }

    /// `('storage', StorageType, key, location, numel)` → a reference to `data/<key>`.
    private func persistentLoad(_ pid: PickleValue) throws -> PickleValue {
        guard case .tuple(let t) = pid, t.count == 5, case .string("storage") = t[0] else {
            throw refused("persistent id \(pid.keyText) is not a ('storage', type, key, location, numel) tuple")
        }
        guard case .global(.storageType(let dtype)) = t[1], case .string(let key) = t[2], !key.isEmpty,
              case .int(let numel) = t[4], numel >= 0 else {
            throw corrupt("malformed storage persistent id \(pid.keyText)")
        }
        let (bytes, overflow) = numel.multipliedReportingOverflow(by: dtype?.byteSize ?? 1)
        guard !overflow else { throw corrupt("storage '\(key)' of \(numel) elements is too large") }
        return .storage(StorageRef(key: key, dtype: dtype, byteCount: bytes))
    }

    /// BUILD on an OrderedDict sets attributes (a state dict's `_metadata`); nothing else may be built.
    private mutating func build(_ state: PickleValue) throws {
        guard case .dict(let target) = try top() else { throw refused("BUILD on a \(try top().kind); only dicts accept state") }
        guard case .dict(let attributes) = state else { throw refused("BUILD with a \(state.kind) state (expected a dict of attributes)") }
        target.attributes += attributes.entries.map { ($0.key, $0.value) }
    }

    // MARK: errors

    private func at(_ message: String) -> String { "\(entry) byte \(opcodeStart): \(message)" }
    private func corrupt(_ message: String) -> CheckpointError { CheckpointError(.corrupt, file: file, at(message)) }
    private func refused(_ message: String) -> CheckpointError { CheckpointError(.refused, file: file, at(message)) }
    private func printable(_ byte: UInt8) -> String {
        (0x21 ... 0x7E).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
    }
}
