import Runtime

/// `torch.save` checkpoints (the zip format of PyTorch ≥ 1.6): `<root>/data.pkl` describes the
/// object, `<root>/data/<key>` hold the storages' raw little-endian bytes. The object is
/// unpickled by the restricted `Unpickler`, then flattened into dotted names:
/// `{'netG_state_dict': {'main.0.weight': T}}` → `netG_state_dict.main.0.weight`.
enum TorchCheckpoint {
    static func read(bytes: UnsafeRawBufferPointer, file: String) throws -> (StateDict, skipped: [String]) {
        let archive = try ZipArchive(bytes: bytes, file: file)
        // torch names the root folder after the file; data.pkl sits directly inside it.
        let pickles = archive.entries.filter {
            guard $0.name.hasSuffix("data.pkl") else { return false }
            let folder = $0.name.dropLast("data.pkl".count)
            return folder.isEmpty || (folder.hasSuffix("/") && !folder.dropLast().contains("/"))
        }
        guard pickles.count == 1, let pickle = pickles.first else {
            throw CheckpointError(.unrecognizedFormat, file: file, pickles.isEmpty
                ? "is a ZIP archive without data.pkl, not a PyTorch checkpoint"
                : "is a ZIP archive with \(pickles.count) data.pkl entries (\(pickles.map(\.name).joined(separator: ", "))); expected one")
        }
        let root = String(pickle.name.dropLast("data.pkl".count))
        if let order = archive.entry(root + "byteorder") {
            let text = String(decoding: try archive.data(of: order), as: UTF8.self)
            guard text == "little" else {
                throw CheckpointError(.unsupported, file: file, "storages are stored with byte order '\(text)'; only little-endian is read")
            }
        }
        let pickleBytes = try archive.data(of: pickle)
        var unpickler = Unpickler(bytes: pickleBytes, file: file, entry: pickle.name)
        let object = try unpickler.load()
        var flattener = Flattener(archive: archive, root: root, file: file, budget: 2 * pickleBytes.count + 1024)
        switch object {
        case .dict, .list, .tuple: try flattener.add(object, name: "", depth: 0)
        default:
            throw CheckpointError(.unsupported, file: file, "holds a single \(object.kind), not a dict of tensors")
        }
        return (flattener.stateDict, flattener.skipped)
    }
}

/// Walks the unpickled object, materialising tensors under dotted names and listing the
/// non-tensor leaves (an `epoch`, a `_metadata`) it skips.
private struct Flattener {
    let archive: ZipArchive
    let root: String
    let file: String
    /// Values left to visit: bounded by the pickle's size, so that a pickle sharing one
    /// container many times (a cheap exponential blow-up) is refused rather than walked.
    var budget: Int
    var stateDict = StateDict()
    var skipped: [String] = []
    /// Tensors reached more than once through the pickle memo (tied weights) are copied once.
    var materialised: [ObjectIdentifier: Tensor] = [:]

    static let maxDepth = 100

    init(archive: ZipArchive, root: String, file: String, budget: Int) {
        self.archive = archive
        self.root = root
        self.file = file
        self.budget = budget
    }

    mutating func add(_ value: PickleValue, name: String, depth: Int) throws {
        budget -= 1
        guard budget >= 0 else {
            throw CheckpointError(.corrupt, file: file, "the pickle refers to the same containers more often than its size allows")
        }
        switch value {
        case .tensor(let t): stateDict[name] = try tensor(t, name: name)
        case .dict(let d):
            try container(name, depth, d.entries.map { (join(name, $0.key), $0.value) }, attributes: d.attributes.map { join(name, $0.name) })
        case .list(let l):
            try container(name, depth, l.items.enumerated().map { (join(name, String($0.offset)), $0.element) }, attributes: [])
        case .tuple(let items):
            try container(name, depth, items.enumerated().map { (join(name, String($0.offset)), $0.element) }, attributes: [])
        default: skipped.append(name)
        }
    }

    /// Children in order; a nested container without any tensor is listed as one skipped entry.
    private mutating func container(_ name: String, _ depth: Int, _ children: [(String, PickleValue)], attributes: [String]) throws {
        guard depth < Self.maxDepth else {
            let shown = name.count > 60 ? name.prefix(60) + "…" : Substring(name)
            throw CheckpointError(.corrupt, file: file, "'\(shown)' is nested deeper than \(Self.maxDepth) levels (or contains itself)")
        }
        let tensorsBefore = stateDict.count, skippedBefore = skipped.count
        for (n, v) in children { try add(v, name: n, depth: depth + 1) }
        skipped += attributes
        if depth > 0 && stateDict.count == tensorsBefore {
            skipped.removeSubrange(skippedBefore...)
            skipped.append(name)
        }
    }

    private func join(_ prefix: String, _ key: String) -> String { prefix.isEmpty ? key : prefix + "." + key }

    private mutating func tensor(_ t: TensorRef, name: String) throws -> Tensor {
        if let done = materialised[ObjectIdentifier(t)] { return done }
        func fail(_ message: String) -> CheckpointError { CheckpointError(.corrupt, file: file, tensor: name, message) }
        let entryName = root + "data/" + t.storage.key
        guard let entry = archive.entry(entryName) else { throw fail("its storage '\(entryName)' is missing from the archive") }
        let bytes = try archive.data(of: entry)
        guard bytes.count >= t.storage.byteCount else {
            throw fail("storage '\(entryName)' holds \(bytes.count) bytes; its persistent id declares \(t.storage.byteCount)")
        }
        if let d = t.storage.dtype, d != t.dtype {
            throw fail("a \(t.dtype) tensor on a storage of \(d)")
        }
        if let problem = StridedView.problem(offset: t.offset, size: t.size, stride: t.stride,
                                             storageElements: t.storage.byteCount / t.dtype.byteSize) {
            throw fail(problem)
        }
        let tensor = StridedView.tensor(from: bytes, dtype: t.dtype, offset: t.offset, size: t.size, stride: t.stride)
        materialised[ObjectIdentifier(t)] = tensor
        return tensor
    }
}
