import Runtime

extension ImagePreprocessing {
    /// A network's input contract (a map of [-1, 1] RGB: y_c = x[order[c]]·scale[c] + shift[c])
    /// as the preprocessing of photographs: the same map from pixels p = (x + 1)·127.5, in the
    /// form that reads best — identity as range [-1, 1]; one shared scale a as range [0, 2a]
    /// minus a per-channel mean (caffe: 0…255 minus the BGR mean); otherwise mean and std.
    /// With `size`, photographs are resized to cover it and centre-cropped.
    public init(_ c: InputContract, size: [Int]? = nil) {
        let p = c.preprocessing
        self.init(resize: size == nil ? .none : .centreCrop, size: size, channels: p.channelOrder == [2, 1, 0] ? "BGR" : "RGB",
                  range: -1...1)
        guard !p.isIdentity, p.scale.count == 3, p.shift.count == 3 else { return }
        if let a = p.scale.first, p.scale.allSatisfy({ $0 == a }), a > 0 {
            range = 0...(2 * a)
            mean = p.shift.map { a - $0 }
        } else {
            mean = zip(p.shift, p.scale).map { -$0 / $1 }
            std = p.scale.map { 1 / $0 }
        }
    }
}
