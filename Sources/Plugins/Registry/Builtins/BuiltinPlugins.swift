/// The built-in architectures and losses. A Swift architecture is one file (its builder) plus
/// one line here.
extension PluginRegistry {
    public static func standard() throws -> PluginRegistry {
        var r = PluginRegistry()
        try r.registerGenericONNX()

        try r.registerGenerator("progan", ProGAN.self)
        try r.registerGenerator("wgangp", WGANGP.self)
        try r.registerGenerator("progan-minibatch-stddev", ProGANMinibatchStddev.self)
        try r.registerGenerator("dcgan", DCGAN.self)
        try r.registerGenerator("stylegan", StyleGAN.self) { c, n in
            // Sampling-time settings; sizes come from the checkpoint.
            try n.checkKeys(["truncationPsi", "truncationLayers", "clampOutput"])
            c.truncationPsi = try n.optional("truncationPsi").map { Float(try $0.double()) } ?? c.truncationPsi
            c.truncationLayers = try n.optional("truncationLayers")?.int() ?? c.truncationLayers
            c.clampOutput = try n.optional("clampOutput")?.bool() ?? c.clampOutput
        }

        try r.register(.segmenter, "upernet", NetworkPlugins.upernet)
        try r.register(.featureNet, "vgg16", NetworkPlugins.vgg16)
        try r.register(.encoder, "encoder-resnet18", NetworkPlugins.encoderResNet18)
        try r.register(.encoder, "encoder-layer", NetworkPlugins.encoderLayer)
        try r.register(.encoder, "encoder-hybrid", NetworkPlugins.encoderHybrid)
        try r.register(.encoder, "encoder-conv", ConvEncoderPlugin.build)

        for kind in ElementwiseLoss.Kind.allCases {
            try r.losses.register(kind.rawValue) { input in
                try input.config.map { try $0.checkKeys([]) }
                return ElementwiseLoss(kind)
            }
        }
        try r.losses.register("perceptual", PerceptualLossPlugin.make)
        return r
    }
}
