#!/usr/bin/env python3
"""Writes the PyTorch reference fixtures of the built-in networks (dev-time only: needs torch;
the tests read the files, never torch). Each fixture is NAME.json (tensor name -> shape and
offset) + NAME.bin (float32, little-endian), written to Tests/PluginsTests/Networks/TorchFixtures/.

The modules below are written from the architecture facts (reference/original-implementation.md
and the CSAIL/ganseeing module layouts), with the original parameter names, tiny widths and
non-trivial BatchNorm statistics, in eval mode:
- upernet-tiny: UPerNet (ResNet-50-style deep stem + bottlenecks, PPM, FPN, object head) at
  width 4, one block per stage, 128x64 input (C5 4x2). Outputs for two PPM poolings: adaptive average
  (nn.AdaptiveAvgPool2d) and PrRoI pooling computed literally as the PreciseRoIPooling kernel does
  (per unit cell, closed-form integral of the bilinear interpolant, zero outside the map) on the
  roi (0, 0, W, H). The object head is scaled so the logits stay within +-4.
- encoder-tiny: e_f (ResNet-18 + 1x1 conv + LeakyReLU) at width 4 on a 64x64 image, and the
  layer encoders inv4 -> inv3 -> inv2 -> inv1 at 8 channels from an 8x8 r4.

usage: make_network_fixtures.py [--out DIR]"""
import argparse
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def bn(c):
    return nn.BatchNorm2d(c)


def conv_bn_relu(cin, cout, k):
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=k // 2, bias=False), bn(cout), nn.ReLU())


class Bottleneck(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(cin, planes, 1, bias=False), bn(planes)
        self.conv2, self.bn2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False), bn(planes)
        self.conv3, self.bn3 = nn.Conv2d(planes, 4 * planes, 1, bias=False), bn(4 * planes)
        self.downsample = None
        if stride != 1 or cin != 4 * planes:
            self.downsample = nn.Sequential(nn.Conv2d(cin, 4 * planes, 1, stride, bias=False), bn(4 * planes))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class BasicBlock(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False), bn(planes)
        self.conv2, self.bn2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False), bn(planes)
        self.downsample = None
        if stride != 1 or cin != planes:
            self.downsample = nn.Sequential(nn.Conv2d(cin, planes, 1, stride, bias=False), bn(planes))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class SegEncoder(nn.Module):
    def __init__(self, w, blocks):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, w, 3, 2, 1, bias=False), bn(w)
        self.conv2, self.bn2 = nn.Conv2d(w, w, 3, 1, 1, bias=False), bn(w)
        self.conv3, self.bn3 = nn.Conv2d(w, 2 * w, 3, 1, 1, bias=False), bn(2 * w)
        cin = 2 * w
        for k, n in enumerate(blocks):
            layers = []
            for b in range(n):
                layers.append(Bottleneck(cin, w << k, (1 if k == 0 else 2) if b == 0 else 1))
                cin = 4 * (w << k)
            setattr(self, "layer%d" % (k + 1), nn.Sequential(*layers))

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = F.relu(self.bn3(self.conv3(x)))
        x = F.max_pool2d(x, 3, 2, 1)
        out = []
        for k in range(1, 5):
            x = getattr(self, "layer%d" % k)(x)
            out.append(x)
        return out


class SegDecoder(nn.Module):
    def __init__(self, inplanes, classes, ppm, fpn, scales):
        super().__init__()
        self.scales = scales
        self.ppm_conv = nn.ModuleList(
            [nn.Sequential(nn.Conv2d(inplanes[-1], ppm, 1, bias=False), bn(ppm), nn.ReLU()) for _ in scales])
        self.ppm_last_conv = conv_bn_relu(inplanes[-1] + len(scales) * ppm, fpn, 3)
        self.fpn_in = nn.ModuleList(
            [nn.Sequential(nn.Conv2d(c, fpn, 1, bias=False), bn(fpn), nn.ReLU()) for c in inplanes[:-1]])
        self.fpn_out = nn.ModuleList([nn.Sequential(conv_bn_relu(fpn, fpn, 3)) for _ in inplanes[:-1]])
        self.conv_fusion = conv_bn_relu(len(inplanes) * fpn, fpn, 3)
        self.object_head = nn.Sequential(conv_bn_relu(fpn, fpn, 3), nn.Conv2d(fpn, classes, 1, bias=True))

    def forward(self, convs, pool, seg_size):
        c5 = convs[-1]
        size = c5.shape[2:]
        # The CSAIL code upsamples the pooled map first and applies conv-BN-ReLU after.
        ppm = [c5] + [conv(F.interpolate(pool(c5, s), size, mode="bilinear", align_corners=False))
                      for s, conv in zip(self.scales, self.ppm_conv)]
        f = self.ppm_last_conv(torch.cat(ppm, 1))
        top = f
        pyramid = [f]
        for i in reversed(range(len(convs) - 1)):
            lateral = self.fpn_in[i](convs[i])
            f = lateral + F.interpolate(f, lateral.shape[2:], mode="bilinear", align_corners=False)
            pyramid.append(self.fpn_out[i](f))
        pyramid.reverse()
        p2 = pyramid[0].shape[2:]
        fusion = self.conv_fusion(torch.cat(
            [pyramid[0]] + [F.interpolate(p, p2, mode="bilinear", align_corners=False) for p in pyramid[1:]], 1))
        logits = self.object_head(fusion)
        scores = F.softmax(F.interpolate(logits, seg_size, mode="bilinear", align_corners=False), dim=1)
        return top, fusion, logits, scores


def prroi_whole_map(x, s):
    """PrRoIPool2D(s, s, 1.0) on the roi (0, 0, W, H), following the PreciseRoIPooling kernel."""
    x = x.double()
    n, c, h, w = x.shape

    def get(r, q):
        if r < 0 or q < 0 or r >= h or q >= w:
            return torch.zeros(n, c, dtype=x.dtype)
        return x[:, :, r, q]

    def cell(sh, sw, eh, ew, y0, x0, y1, x1):
        a, b, la, lb = x0 - sw, y0 - sh, x1 - sw, y1 - sh
        wa0 = la - 0.5 * la * la - a + 0.5 * a * a  # integral of (1 - t) over [a, la]
        wa1 = 0.5 * la * la - 0.5 * a * a           # integral of t
        wb0 = lb - 0.5 * lb * lb - b + 0.5 * b * b
        wb1 = 0.5 * lb * lb - 0.5 * b * b
        return get(sh, sw) * wa0 * wb0 + get(sh, ew) * wa1 * wb0 + get(eh, sw) * wa0 * wb1 + get(eh, ew) * wa1 * wb1

    out = torch.zeros(n, c, s, s, dtype=x.dtype)
    bh, bw = h / s, w / s
    for ph in range(s):
        for pw in range(s):
            hs, ws = ph * bh, pw * bw
            he, we = hs + bh, ws + bw
            acc = torch.zeros(n, c, dtype=x.dtype)
            for wi in range(math.floor(ws), math.ceil(we)):
                for hi in range(math.floor(hs), math.ceil(he)):
                    acc += cell(hi, wi, hi + 1, wi + 1, max(hs, hi), max(ws, wi), min(he, hi + 1), min(we, wi + 1))
            out[:, :, ph, pw] = acc / (bh * bw)
    return out.float()


class ResNet18Encoder(nn.Module):
    """e_f: names as the original CustomResNet (conv1, bn1, layer1..4, layer5.conv5)."""

    def __init__(self, w, out):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, w, 7, 2, 3, bias=False), bn(w)
        cin = w
        for k in range(4):
            planes = w << k
            blocks = [BasicBlock(cin, planes, 1 if k == 0 else 2), BasicBlock(planes, planes, 1)]
            setattr(self, "layer%d" % (k + 1), nn.Sequential(*blocks))
            cin = planes
        self.layer5 = nn.Sequential()
        self.layer5.add_module("conv5", nn.Conv2d(cin, out, 1))

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        for k in range(1, 5):
            x = getattr(self, "layer%d" % k)(x)
        return F.leaky_relu(self.layer5(x), 0.2)


def pixel_norm(x):
    return x / torch.sqrt(torch.mean(x ** 2, dim=1, keepdim=True) + 1e-8)


class LayerEncoder(nn.Module):
    """e2..e4 (conv3 absent for e2, stride 2 for e3); e1 when `to_z`."""

    def __init__(self, c, stride=1, skip_conv3=False, to_z=False):
        super().__init__()
        self.to_z = to_z
        if to_z:
            self.conv1, self.bn1, self.conv2 = nn.Conv2d(c, c, 4), bn(c), nn.Conv2d(c, c, 1)
        else:
            self.conv1, self.bn1 = nn.Conv2d(c, c, 3, padding=1), bn(c)
            self.conv2, self.bn2 = nn.Conv2d(c, c, 3, padding=1), bn(c)
            self.conv3 = None if skip_conv3 else nn.Conv2d(c, c, 1, stride=stride)

    def forward(self, x):
        x = F.leaky_relu(self.bn1(self.conv1(pixel_norm(x))), 0.2)
        if self.to_z:
            return pixel_norm(self.conv2(x))
        x = F.leaky_relu(self.bn2(self.conv2(x)), 0.2)
        return x if self.conv3 is None else self.conv3(x)


def randomise(module, gen):
    """Non-trivial BatchNorm statistics and affine terms, and non-zero conv biases."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(1 + 0.2 * torch.randn(m.weight.shape, generator=gen))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=gen))
                m.running_mean.copy_(0.2 * torch.randn(m.running_mean.shape, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=gen))
            elif isinstance(m, nn.Conv2d) and m.bias is not None:
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))
    module.eval()


def state(module, prefix=""):
    return {prefix + k: v for k, v in module.state_dict().items() if not k.endswith("num_batches_tracked")}


def write(out_dir, name, tensors):
    index, blob, offset = {}, bytearray(), 0
    for key, t in tensors.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy().astype("<f4"))
        index[key] = {"shape": list(a.shape), "offset": offset}
        blob += a.tobytes()
        offset += a.size
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(index, f, indent=0, sort_keys=False)
        f.write("\n")
    with open(os.path.join(out_dir, name + ".bin"), "wb") as f:
        f.write(blob)
    print("wrote %s (%d tensors, %d floats)" % (name, len(index), offset))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "../../Tests/PluginsTests/Networks/TorchFixtures"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)

    # UPerNet, width 4, one bottleneck per stage, PPM 8, FPN 8, 5 classes, 128x64 input (C5 4x2).
    w, classes = 4, 5
    enc, dec = SegEncoder(w, [1, 1, 1, 1]), SegDecoder([4 * w, 8 * w, 16 * w, 32 * w], classes, 8, 8, [1, 2, 3, 6])
    randomise(enc, gen)
    randomise(dec, gen)
    image = torch.randn(1, 3, 128, 64, generator=gen) * 50
    adaptive = lambda x, s: F.adaptive_avg_pool2d(x, s)
    with torch.no_grad():
        convs = enc(image)
        _, _, logits, _ = dec(convs, adaptive, (128, 64))
        head = dec.object_head[1]
        scale = 4 / logits.abs().max()
        head.weight.mul_(scale)
        head.bias.mul_(scale)
        ppm_a, fusion, logits_a, _ = dec(convs, adaptive, (128, 64))
        ppm_p, _, logits_p, _ = dec(convs, prroi_whole_map, (128, 64))
    tensors = {**state(enc, "encoder."), **state(dec, "decoder.")}
    tensors.update({"input.image": image, "output.C5": convs[3], "output.fusion": fusion,
                    "output.adaptiveAverage.ppm": ppm_a, "output.preciseRoI.ppm": ppm_p,
                    "output.adaptiveAverage.logits": logits_a,
                    "output.preciseRoI.logits": logits_p})
    write(args.out, "upernet-tiny", tensors)

    # Encoders: e_f at width 4 (out 8) on 64x64; inv4..inv1 at 8 channels from an 8x8 r4.
    ef = ResNet18Encoder(4, 8)
    layers = {"inv4": LayerEncoder(8), "inv3": LayerEncoder(8, stride=2), "inv2": LayerEncoder(8, skip_conv3=True),
              "inv1": LayerEncoder(8, to_z=True)}
    randomise(ef, gen)
    for m in layers.values():
        randomise(m, gen)
    image = torch.randn(1, 3, 64, 64, generator=gen)
    r4 = torch.randn(2, 8, 8, 8, generator=gen)
    tensors = state(ef, "resnet.")
    for k, m in layers.items():
        tensors.update(state(m, k + "."))
    with torch.no_grad():
        tensors.update({"input.image": image, "output.resnet.r4": ef(image), "input.r4": r4})
        r = r4
        for k, out in [("inv4", "r3"), ("inv3", "r2"), ("inv2", "r1"), ("inv1", "z")]:
            r = layers[k](r)
            tensors["output.%s.%s" % (k, out)] = r
    write(args.out, "encoder-tiny", tensors)


if __name__ == "__main__":
    main()
