"""Writes the checkpoint fixtures of Tests/ImporterTests/Fixtures/checkpoints (run by hand, with
torch installed; tests and CI never import torch). The expected values in
Tests/ImporterTests/Checkpoints/*.swift are the constants written here.

  checkpoint.pth      torch.save (zip, pickle protocol 2) of CHECKPOINT below: every storage
                      dtype, strided views of one shared storage, an expanded (stride 0) tensor,
                      a 0-d tensor, an empty tensor, an nn.Parameter, a module state_dict (with
                      _metadata), an optimizer-like dict with an int key, and non-tensor leaves
  checkpoint_p4.pth   the same object saved with pickle protocol 4 (FRAME, MEMOIZE, STACK_GLOBAL)
  legacy.pth          torch.save(_use_new_zipfile_serialization=False): the pre-1.6 format
  deflated.pth        checkpoint.pth re-zipped with deflate compression
  truncated.pth       the first half of checkpoint.pth
  os_system.pth       a zip checkpoint whose data.pkl calls os.system (never loaded here)
  eval.pth            one whose data.pkl (protocol 4) calls builtins.eval (never loaded here)
  unknown_opcode.pth  one whose data.pkl uses INST (opcode 'i') at byte 3
  cyclic.pth          one whose data.pkl holds a list that contains itself
  tensors.safetensors written by hand with numpy, with __metadata__
  bad_*.safetensors   malformed safetensors files, one defect each
"""
import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "../../Tests/ImporterTests/Fixtures/checkpoints")


def model_dict():
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)  # one storage, three views
    return collections.OrderedDict([
        ("f32", torch.arange(6, dtype=torch.float32).reshape(2, 3) * 0.5),
        ("f64", torch.tensor([1.25, -2.5, 1e100], dtype=torch.float64)),
        ("f16", torch.tensor([0.5, -1.0, 65504.0], dtype=torch.float16)),
        ("bf16", torch.tensor([1.5, -2.0, 256.0], dtype=torch.bfloat16)),
        ("i64", torch.tensor([-1, 0, 2**40, -2**62], dtype=torch.int64)),
        ("i32", torch.tensor([-2**31, 7, 2**31 - 1], dtype=torch.int32)),
        ("i16", torch.tensor([-300, 300], dtype=torch.int16)),
        ("i8", torch.tensor([-128, 127], dtype=torch.int8)),
        ("u8", torch.tensor([0, 200, 255], dtype=torch.uint8)),
        ("bool", torch.tensor([True, False, True])),
        ("u16", torch.tensor([0, 65535], dtype=torch.uint16)),     # saved with _rebuild_tensor_v3
        ("transposed", base.t()),                                 # size (4, 3), stride (1, 4)
        ("window", base[1:, 1:]),                                 # offset 5, size (2, 3), stride (4, 1)
        ("row", base[2]),                                         # offset 8, size (4,)
        ("expanded", torch.arange(3, dtype=torch.float32).expand(2, 3)),  # stride (0, 1)
        ("scalar", torch.tensor(7.5)),                            # 0-d
        ("empty", torch.zeros(0, 3)),
        ("param", torch.nn.Parameter(torch.tensor([1.0, 2.0]))),  # _rebuild_parameter
    ])


def checkpoint():
    linear = torch.nn.Linear(2, 3)
    with torch.no_grad():
        linear.weight.copy_(torch.arange(6, dtype=torch.float32).reshape(3, 2))
        linear.bias.copy_(torch.tensor([-1.0, 0.0, 1.0]))
    return {
        "model": model_dict(),
        "linear": linear.state_dict(),  # an OrderedDict carrying _metadata (set by BUILD)
        "epoch": 5,
        "name": "fixture",
        "seed": 2**70,                   # LONG1 wider than 64 bits
        "optimizer": {
            "state": {0: {"step": torch.tensor(3.0)}},
            "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "nesterov": False,
                              "weight_decay": None, "params": [0]}],
        },
    }


class _Call:
    """Pickles as a call of `fn(*args)`; only ever dumped, never loaded."""

    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


def write_zip(path, pkl, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/version", "3\n")


def safetensors_bytes(header, data):
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def write_safetensors(path, tensors, metadata):
    header, chunks, offset = {"__metadata__": metadata}, [], 0
    for name, dtype, array in tensors:
        raw = np.ascontiguousarray(array).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    with open(path, "wb") as f:
        f.write(safetensors_bytes(header, b"".join(chunks)))


def main():
    os.makedirs(OUT, exist_ok=True)
    out = lambda name: os.path.join(OUT, name)  # noqa: E731
    torch.save(checkpoint(), out("checkpoint.pth"))
    torch.save(checkpoint(), out("checkpoint_p4.pth"), pickle_protocol=4)
    torch.save({"w": torch.arange(4, dtype=torch.float32)}, out("legacy.pth"), _use_new_zipfile_serialization=False)

    with zipfile.ZipFile(out("checkpoint.pth")) as src, \
            zipfile.ZipFile(out("deflated.pth"), "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
    with open(out("checkpoint.pth"), "rb") as f:
        whole = f.read()
    with open(out("truncated.pth"), "wb") as f:
        f.write(whole[: len(whole) // 2])

    write_zip(out("os_system.pth"), pickle.dumps({"weight": _Call(os.system, ("echo pwned",))}, protocol=2))
    write_zip(out("eval.pth"), pickle.dumps({"weight": _Call(eval, ("1+1",))}, protocol=4))
    # PROTO 2, MARK, INST 'os system' (calls os.system with the marked items in Python).
    write_zip(out("unknown_opcode.pth"), b"\x80\x02(iposix\nsystem\n.")
    cycle = []
    cycle.append(cycle)
    write_zip(out("cyclic.pth"), pickle.dumps({"loop": cycle}, protocol=2))

    write_safetensors(out("tensors.safetensors"), [
        ("f32", "F32", np.arange(6, dtype=np.float32).reshape(2, 3) * 0.5),
        ("f64", "F64", np.array([1.25, -2.5, 1e100], dtype=np.float64)),
        ("f16", "F16", np.array([0.5, -1.0, 65504.0], dtype=np.float16)),
        ("bf16", "BF16", np.array([0x3FC0, 0xC000, 0x4380], dtype=np.uint16)),  # 1.5, -2, 256
        ("i64", "I64", np.array([-1, 0, 2**40, -2**62], dtype=np.int64)),
        ("i32", "I32", np.array([-2**31, 7, 2**31 - 1], dtype=np.int32)),
        ("i16", "I16", np.array([-300, 300], dtype=np.int16)),
        ("i8", "I8", np.array([-128, 127], dtype=np.int8)),
        ("u8", "U8", np.array([0, 200, 255], dtype=np.uint8)),
        ("bool", "BOOL", np.array([True, False, True])),
        ("scalar", "F32", np.array(7.5, dtype=np.float32)),
        ("empty", "F32", np.zeros((0, 3), dtype=np.float32)),
    ], {"format": "pt", "source": "make_checkpoint_fixtures"})

    f32 = lambda offsets, shape=(2,): {"dtype": "F32", "shape": list(shape), "data_offsets": offsets}  # noqa: E731
    bad = {
        "bad_overlap": ({"a": f32([0, 8]), "b": f32([4, 12])}, 12),
        "bad_out_of_range": ({"a": f32([0, 8]), "b": f32([8, 16])}, 12),
        "bad_byte_count": ({"a": f32([0, 12])}, 12),
        "bad_dtype": ({"a": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}}, 2),
    }
    for name, (header, size) in bad.items():
        with open(out(name + ".safetensors"), "wb") as f:
            f.write(safetensors_bytes(header, bytes(size)))
    with open(out("bad_header_length.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", 1 << 40) + b'{"a":{}}')
    total = sum(os.path.getsize(out(n)) for n in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} fixtures ({total} bytes) to {os.path.normpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
