/// `perceptual`: {"featureNet": ID, "layers": [...], "distance": "l1" | "mse" | "cosine",
/// "range": [low, high]} — the feature net is loaded from the zoo; layers default to its
/// default layer; images default to [-1, 1].
enum PerceptualLossPlugin {
    static func make(_ input: ComponentInput) throws -> any Loss {
        guard let config = input.config else {
            throw PluginError(.schema, "loss 'perceptual' needs a configuration with \"featureNet\" (a feature-net model id)")
        }
        try config.checkKeys(["featureNet", "layers", "distance", "range"])
        guard let zoo = input.zoo else {
            throw PluginError(.invalidRequest, "loss 'perceptual' needs a zoo to load its feature net from")
        }
        let net = try zoo.featureNet(try config.require("featureNet").string())
        let layers: [String]
        if let l = try config.optional("layers") {
            layers = try l.strings()
        } else if let d = net.defaultLayer {
            layers = [d]
        } else {
            throw config.error("the feature net has no default layer; give \"layers\"")
        }
        let distance = try config.optional("distance").map { try $0.choice(ElementwiseLoss.Kind.self) } ?? .l1
        var range: ClosedRange<Float> = -1...1
        if let r = try config.optional("range") {
            let xs = try r.doubles(count: 2)
            guard xs[0] < xs[1] else { throw r.error("expected [low, high] with low < high") }
            range = Float(xs[0])...Float(xs[1])
        }
        return PerceptualLoss(featureNet: net, layers: layers, distance: distance, range: range)
    }
}
