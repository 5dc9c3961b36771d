#!/usr/bin/env python3
"""Dev-time check of scripts/tools/convert_tflite.py (not used by the tests): runs the original
.tflite in the TFLite interpreter and the converted .onnx in onnxruntime on real photographs,
preprocessed with Pillow as the original pipeline does (shorter side to the model size, centre
crop) and by stretching the whole frame, and prints the largest output difference and the
fraction of pixels above 0.5. Needs `pip install ai-edge-litert pillow` (a virtualenv will do).

usage: check_tflite_conversion.py MODEL.tflite MODEL.onnx IMAGE ..."""
import sys

import numpy as np
import onnxruntime as ort
from ai_edge_litert.interpreter import Interpreter
from PIL import Image


def views(path, h, w):
    im = Image.open(path).convert("RGB")
    rw, rh = (w, int(w * im.height / im.width)) if im.width * h <= im.height * w else (int(h * im.width / im.height), h)
    r = np.asarray(im.resize((rw, rh), Image.BILINEAR))
    top, left = int(round((rh - h) / 2)), int(round((rw - w) / 2))
    return {"centre crop": r[top:top + h, left:left + w], "stretched": np.asarray(im.resize((w, h), Image.BILINEAR))}


def main():
    tfl, onnx_path, images = sys.argv[1], sys.argv[2], sys.argv[3:]
    it = Interpreter(model_path=tfl)   # the default XNNPACK delegate implements MediaPipe's custom op
    it.allocate_tensors()
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    _, h, w, _ = inp["shape"]
    for path in images:
        for label, pixels in views(path, h, w).items():
            x = (pixels.astype(np.float32) / 255)[None]
            it.set_tensor(inp["index"], x)
            it.invoke()
            a = it.get_tensor(out["index"])
            b = sess.run(None, {name: x})[0]
            print(f"{path} ({label}): max |tflite − onnxruntime| = {np.abs(a - b).max():.3g}; "
                  f"fraction > 0.5: tflite {(a > 0.5).mean():.4f}, onnx {(b > 0.5).mean():.4f}")


if __name__ == "__main__":
    main()
