import ArgumentParser
import Foundation
import Plugins

struct ZooCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoo",
        abstract: "The model registry: what is registered and present, and fetching models by recipe.",
        subcommands: [ZooList.self, ZooShow.self, ZooFetch.self])
}

struct ZooList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the registered models and data sets (with whether their files are present and intact), architectures, losses and inversion strategies.")

    @OptionGroup var options: PluginsOptions
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() throws {
        let zoo = try options.zoo()
        let c = zoo.catalog
        func state(_ files: [ModelFile], id: String) -> (String, Bool) {
            let problems = zoo.status(of: files).filter { $0.status != .present }
            guard let first = problems.first else { return ("present", true) }
            let what = problems.count == 1 ? "\(first.file.path) \(first.status)" : "\(problems.count) files missing or differing"
            let fix = problems.allSatisfy({ $0.file.isFetchable }) ? "seeing zoo fetch \(id)" : "re-import it"
            return ("\(what) (\(fix))", false)
        }
        let arch = PluginKind.allCases.map { ($0, zoo.registry.architectures($0).ids) }
        if json {
            let models: [JSONValue] = c.models.map { m in
                let (s, ok) = state(m.files, id: m.id)
                return .object([("id", .string(m.id)), ("kind", .string(m.kind.rawValue)), ("architecture", .string(m.architecture)),
                                ("present", .bool(ok)), ("status", .string(s)), ("description", .string(m.description))])
            }
            let data: [JSONValue] = c.data.map { d in
                let (s, ok) = state(d.files, id: d.id)
                return .object([("id", .string(d.id)), ("present", .bool(ok)), ("status", .string(s)), ("description", .string(d.description))])
            }
            let doc = JSONValue.object([
                ("plugins", .string(c.path ?? "")), ("models", .array(models)), ("data", .array(data)),
                ("architectures", .object(arch.map { ($0.0.rawValue, JSONValue.strings($0.1)) })),
                ("losses", .strings(zoo.registry.losses.ids)), ("inversionStrategies", .strings(zoo.registry.inversions.ids)),
            ])
            print(JSONPrinter.pretty(doc), terminator: "")
            return
        }
        print("registry: \(c.path ?? "-")")
        print("models:")
        if c.models.isEmpty { print("  none") }
        let idWidth = max(4, (c.models.map(\.id) + c.data.map(\.id)).map(\.count).max() ?? 0)
        let kindWidth = max(4, c.models.map(\.kind.rawValue.count).max() ?? 0)
        let archWidth = max(4, c.models.map(\.architecture.count).max() ?? 0)
        for m in c.models {
            let (s, _) = state(m.files, id: m.id)
            print("  " + pad(m.id, idWidth) + "  " + pad(m.kind.rawValue, kindWidth) + "  " + pad(m.architecture, archWidth) + "  " + s)
            if !m.description.isEmpty { print("  " + String(repeating: " ", count: idWidth + 2) + m.description) }
        }
        print("data:")
        if c.data.isEmpty { print("  none") }
        for d in c.data { print("  " + pad(d.id, idWidth) + "  " + state(d.files, id: d.id).0) }
        print("architectures:")
        for (kind, ids) in arch { print("  \(kind): \(ids.joined(separator: ", "))") }
        print("losses: \(zoo.registry.losses.ids.joined(separator: ", "))")
        let inv = zoo.registry.inversions.ids
        print("inversion strategies: \(inv.isEmpty ? "none registered" : inv.joined(separator: ", "))")
    }

    private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
}

struct ZooShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a model's plugins.json entry and the state of its files.")

    @OptionGroup var options: PluginsOptions
    @Argument(help: "A model id.") var id: String

    func run() throws {
        let zoo = try options.zoo()
        let entry = try zoo.catalog.model(id)
        print(JSONPrinter.pretty(PluginsSchema.json(entry)), terminator: "")
        for (file, status) in zoo.status(of: entry.files) {
            print("\(file.path): \(status)")
        }
    }
}

struct ZooFetch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch models (or data sets) by their recipes in plugins.json: runs scripts/fetch-models.py.")

    @OptionGroup var options: PluginsOptions
    @Argument(help: "Model or data set ids (none: all).") var ids: [String] = []

    func run() throws {
        let path = try options.catalogPath()
        let catalog = try PluginCatalog(path: path)
        let known = catalog.models.map(\.id) + catalog.data.map(\.id)
        for id in ids where !known.contains(id) {
            throw PluginError(.unknownID, "unknown model or data set '\(id)'; registered: \(known.joined(separator: ", "))")
        }
        // Beside the registry, else in the checkout this executable was built in.
        let executable = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])).resolvingSymlinksInPath()
            .deletingLastPathComponent().path
        guard let script = Self.fetchScript(near: catalog.root) ?? Self.fetchScript(near: executable) else {
            throw CLIError("cannot find scripts/fetch-models.py in \(catalog.root) or above (nor above \(executable))")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, "--plugins", path] + ids
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw ExitCode(p.terminationStatus) }
    }

    static func fetchScript(near directory: String) -> String? {
        var dir = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            let candidate = dir.appendingPathComponent("scripts/fetch-models.py").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { return nil }
            dir = parent
        }
    }
}
