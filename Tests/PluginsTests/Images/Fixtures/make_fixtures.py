#!/usr/bin/env python3
"""Makes the image-decoding fixtures and expected.json, the pixel values the Swift tests
compare against. Run by hand (dev time, needs Pillow): tests only read what it wrote.

PNGs are written by the tiny encoder below (zlib + struct), so every colour type and bit depth
is exactly what it says, and their expected RGB is computed from the source arrays with numpy:
grey repeated into R, G, B; alpha dropped; palette looked up; 16-bit scaled round(v·255/65535);
1-bit 0/1 → 0/255. JPEGs are written and decoded by Pillow (libjpeg-turbo, default settings);
its decoded pixels are the expectation. Resize expectations are Pillow's BILINEAR resize
(the Swift side may differ by one level: Pillow rounds its intermediate row pass).

If models/cache/images/china.jpg exists (scripts/fetch-models.py), a few of its decoded and
preprocessed pixels are recorded too."""
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))


def png(path, colour_type, bit_depth, rows, palette=None, trns=None):
    """rows: list of per-row sample lists (already in file order, unpacked)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    height, raw = len(rows), b""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour_type]
    width = len(rows[0]) // channels
    for row in rows:
        if bit_depth == 16:
            data = b"".join(struct.pack(">H", v) for v in row)
        elif bit_depth == 8:
            data = bytes(row)
        else:   # pack sub-byte samples, most significant bits first
            per = 8 // bit_depth
            data = bytes(sum(v << (8 - bit_depth * (k + 1)) for k, v in enumerate(row[i:i + per]))
                         for i in range(0, len(row), per))
        raw += b"\x00" + data
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0))
    if palette is not None:
        out += chunk(b"PLTE", bytes(np.array(palette, np.uint8).reshape(-1)))
    if trns is not None:
        out += chunk(b"tRNS", bytes(trns))
    out += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(os.path.join(HERE, path), "wb") as f:
        f.write(out)


def entry(rgb):
    rgb = np.asarray(rgb, np.uint8)
    return {"width": int(rgb.shape[1]), "height": int(rgb.shape[0]), "pixels": rgb.reshape(-1).tolist()}


def main():
    expected = {}
    y, x = np.mgrid[0:12, 0:16]
    # A smooth colour ramp with some texture: every channel differs and varies in both axes.
    rgb = np.stack([x * 16 + 5, y * 20 + 7, (x * y * 3 + 40) % 256], -1).astype(np.uint8)

    grey = (x * 13 + y * 7).astype(np.uint8)
    png("grey8.png", 0, 8, grey.tolist())
    expected["grey8.png"] = entry(np.repeat(grey[..., None], 3, -1))

    alpha = ((x + y) * 10).astype(np.uint8)
    png("grey_alpha.png", 4, 8, np.stack([grey, alpha], -1).reshape(12, -1).tolist())
    expected["grey_alpha.png"] = entry(np.repeat(grey[..., None], 3, -1))

    png("rgba.png", 6, 8, np.concatenate([rgb, alpha[..., None]], -1).reshape(12, -1).tolist())
    expected["rgba.png"] = entry(rgb)

    rgb16 = np.stack([x * 4000 + 123, y * 5000 + 999, (x * y * 400 + 7) % 65536], -1).astype(np.int64)
    png("rgb16.png", 2, 16, rgb16.reshape(12, -1).tolist())
    expected["rgb16.png"] = entry(np.floor(rgb16 * 255 / 65535 + 0.5))

    palette = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [250, 200, 10]]
    index = ((x // 4) + y) % 4
    png("palette.png", 3, 2, index.tolist(), palette=palette, trns=[255, 128])
    expected["palette.png"] = entry(np.array(palette, np.uint8)[index])

    bits = ((x + y) % 3 == 0).astype(np.int64)
    png("grey1.png", 0, 1, bits.tolist())
    expected["grey1.png"] = entry(np.repeat((bits * 255)[..., None], 3, -1))

    for name, subsampling in (("rgb444.jpg", 0), ("rgb420.jpg", 2)):
        Image.fromarray(rgb).save(os.path.join(HERE, name), quality=90, subsampling=subsampling)
        expected[name] = entry(np.asarray(Image.open(os.path.join(HERE, name)).convert("RGB")))
    Image.fromarray(grey).save(os.path.join(HERE, "grey.jpg"), quality=90)
    expected["grey.jpg"] = entry(np.asarray(Image.open(os.path.join(HERE, "grey.jpg")).convert("RGB")))

    source = Image.fromarray(rgb)
    expected["resize"] = {f"{w}x{h}": entry(np.asarray(source.resize((w, h), Image.BILINEAR)))
                          for w, h in ((7, 5), (40, 30), (16, 5), (3, 12))}

    china = os.path.join(ROOT, "models", "cache", "images", "china.jpg")
    if os.path.exists(china):
        im = Image.open(china).convert("RGB")
        a = np.asarray(im)
        points = [(0, 0), (639, 426), (320, 200), (100, 300), (500, 50)]
        # torchvision Resize(256) + CenterCrop(256) on 640x427: 383x256, crop left round(63.5)=64.
        prepared = np.asarray(im.resize((383, 256), Image.BILINEAR))[:, 64:320]
        expected["china.jpg"] = {
            "width": im.width, "height": im.height, "sha256": "8378025ad2519d649d02e32bd98990db4ab572357d9f09841c2fbfbb4fefad29",
            "samples": [[px, py] + a[py, px].tolist() for px, py in points],
            "prepared256": [[px, py] + prepared[py, px].tolist() for px, py in ((0, 0), (255, 255), (128, 128), (30, 200))],
        }
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
