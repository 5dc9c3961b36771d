"""Converts a float TFLite model to an ONNX graph (opset 17) without TensorFlow: the flatbuffer is
read with the `tflite` package and the graph written with onnx.helper.

The graph is NCHW inside: each NHWC graph input is transposed once after it enters and each
output once before it leaves, so the ONNX model keeps the TFLite model's NHWC interface. Every
activation must be a rank-4 float32 tensor. Weights behind DEQUANTIZE (fp16, or int8/uint8 with
scales) are folded into float32 initializers. An op outside the table below is an error that
names it; so is an option this converter does not model (e.g. a fused SIGN_BIT activation).

Ops: CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MAX_POOL_2D, MEAN (keep_dims), ADD, MUL, RELU,
LOGISTIC, HARD_SWISH, RESIZE_BILINEAR, DEQUANTIZE and MediaPipe's custom Convolution2DTransposeBias.
Padding follows TFLite exactly: SAME puts the odd pixel at the end (asymmetric pads).

usage: convert_tflite.py MODEL.tflite OUT.onnx [--input-names A,B] [--output-names C,D]"""
import argparse
import os
import struct

import numpy as np
import onnx
import tflite
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
NHWC_TO_NCHW = [0, 3, 1, 2]
NCHW_TO_NHWC = [0, 2, 3, 1]

OPCODE_NAMES = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
NUMPY_TYPES = {
    tflite.TensorType.FLOAT32: np.float32, tflite.TensorType.FLOAT16: np.float16,
    tflite.TensorType.INT32: np.int32, tflite.TensorType.INT64: np.int64,
    tflite.TensorType.INT8: np.int8, tflite.TensorType.UINT8: np.uint8,
}
# TFLite's Padding enum (SAME = 0, VALID = 1) and the C enum TfLitePadding that custom ops
# memcpy into their options (Unknown = 0, Same = 1, Valid = 2).
SAME, VALID = tflite.Padding.SAME, tflite.Padding.VALID
CUSTOM_PADDING = {1: SAME, 2: VALID}


class ConversionError(Exception):
    pass


def same_or_valid_pads(size, kernel, stride, dilation, padding):
    """(output size, pad before, pad after) along one axis, as TFLite computes them."""
    effective = (kernel - 1) * dilation + 1
    if padding == SAME:
        out = (size + stride - 1) // stride
    elif padding == VALID:
        out = (size - effective + stride) // stride
    else:
        raise ConversionError(f"unknown padding type {padding}")
    total = max((out - 1) * stride + effective - size, 0)
    return out, total // 2, total - total // 2


class Converter:
    def __init__(self, data):
        self.model = tflite.Model.GetRootAsModel(data, 0)
        self.data = data
        if self.model.SubgraphsLength() != 1:
            raise ConversionError(f"expected one subgraph, found {self.model.SubgraphsLength()}")
        self.graph = self.model.Subgraphs(0)
        self.constants = {}   # tensor index → numpy array in TFLite layout
        self.names = {}       # tensor index → ONNX value name
        self.used_names = set()
        self.nodes, self.initializers = [], []

    # --- tensors -------------------------------------------------------------------------------

    def tensor(self, i):
        return self.graph.Tensors(i)

    def shape(self, i):
        return [int(d) for d in self.tensor(i).ShapeAsNumpy()] if self.tensor(i).ShapeLength() else []

    def tensor_name(self, i):
        return self.tensor(i).Name().decode("utf-8", "replace")

    def buffer_array(self, i):
        """The tensor's data when it is stored in the file, else None."""
        t = self.tensor(i)
        buf = self.model.Buffers(t.Buffer())
        if buf.Offset() > 1:   # large models keep buffers after the flatbuffer
            raw = self.data[buf.Offset():buf.Offset() + buf.Size()]
        elif buf.DataLength():
            raw = buf.DataAsNumpy().tobytes()
        else:
            return None
        if t.Type() not in NUMPY_TYPES:
            raise ConversionError(f"tensor {self.tensor_name(i)!r}: unsupported element type {t.Type()}")
        return np.frombuffer(raw, NUMPY_TYPES[t.Type()]).reshape(self.shape(i))

    def constant(self, i, what):
        if i not in self.constants:
            array = self.buffer_array(i)
            if array is None:
                raise ConversionError(f"{what} ({self.tensor_name(i)!r}) must be a constant")
            self.constants[i] = array
        return self.constants[i]

    def unique(self, name):
        base, k = name or "t", 1
        while name in self.used_names or not name:
            name, k = f"{base}_{k}", k + 1
        self.used_names.add(name)
        return name

    def initializer(self, array, name):
        name = self.unique(name)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def value(self, i):
        """ONNX name of an activation (NCHW), or of a constant operand laid out to broadcast in NCHW."""
        if i in self.names:
            return self.names[i]
        array = self.buffer_array(i) if i not in self.constants else self.constants[i]
        if array is None:
            raise ConversionError(f"tensor {self.tensor_name(i)!r} is read before any op writes it")
        if array.ndim > 4:
            raise ConversionError(f"constant {self.tensor_name(i)!r} has rank {array.ndim}; at most 4 is supported")
        if array.ndim > 0:   # NHWC broadcasting: pad with leading 1s to rank 4, then move C forward
            array = array.reshape((1,) * (4 - array.ndim) + array.shape).transpose(NHWC_TO_NCHW)
        self.names[i] = self.initializer(array.astype(np.float32), self.tensor_name(i))
        return self.names[i]

    def output(self, i):
        t = self.tensor(i)
        if t.Type() != tflite.TensorType.FLOAT32 or len(self.shape(i)) != 4:
            raise ConversionError(f"activation {self.tensor_name(i)!r} is {self.shape(i)} of type {t.Type()}; "
                                  "only rank-4 float32 activations are supported")
        self.names[i] = self.unique(self.tensor_name(i))
        return self.names[i]

    def node(self, op_type, inputs, outputs, **attrs):
        self.nodes.append(helper.make_node(op_type, inputs, outputs, name=outputs[0], **attrs))

    # --- ops -----------------------------------------------------------------------------------

    def fused(self, activation, y, out):
        """Emits the op into `y` (a fresh name) when an activation follows, into `out` otherwise."""
        A = tflite.ActivationFunctionType
        if activation == A.NONE:
            return
        if activation == A.RELU:
            self.node("Relu", [y], [out])
        elif activation in (A.RELU6, A.RELU_N1_TO_1):
            lo, hi = (0.0, 6.0) if activation == A.RELU6 else (-1.0, 1.0)
            bounds = [self.initializer(np.array(v, np.float32), f"{out}/clip_{k}") for k, v in (("min", lo), ("max", hi))]
            self.node("Clip", [y] + bounds, [out])
        elif activation == A.TANH:
            self.node("Tanh", [y], [out])
        else:
            raise ConversionError(f"unsupported fused activation {activation}")

    def target(self, activation, out):
        return out if activation == tflite.ActivationFunctionType.NONE else self.unique(out + "/pre_activation")

    def options(self, op, cls):
        table = op.BuiltinOptions()
        opts = cls()
        opts.Init(table.Bytes, table.Pos)
        return opts

    def spatial(self, x_index, y_index, kernel, strides, dilations, padding, what):
        """Explicit ONNX pads [top, left, bottom, right], checked against the TFLite output shape."""
        _, h, w, _ = self.shape(x_index)
        oh, top, bottom = same_or_valid_pads(h, kernel[0], strides[0], dilations[0], padding)
        ow, left, right = same_or_valid_pads(w, kernel[1], strides[1], dilations[1], padding)
        expected = self.shape(y_index)[1:3]
        if [oh, ow] != expected:
            raise ConversionError(f"{what}: computed output {oh}x{ow}, the model says {expected}")
        return [top, left, bottom, right]

    def conv(self, op, depthwise):
        x, w_i = op.Inputs(0), op.Inputs(1)
        b_i = op.Inputs(2) if op.InputsLength() > 2 else -1
        y = op.Outputs(0)
        w = self.constant(w_i, "convolution weights").astype(np.float32)
        if depthwise:
            o = self.options(op, tflite.DepthwiseConv2DOptions)
            channels = self.shape(x)[3]
            # [1, kh, kw, C·multiplier] → [C·multiplier, 1, kh, kw], one group per input channel.
            weight, group = w.transpose(3, 0, 1, 2), channels
            if w.shape[0] != 1 or w.shape[3] % channels:
                raise ConversionError(f"depthwise weights {list(w.shape)} do not fit {channels} input channels")
        else:
            o = self.options(op, tflite.Conv2DOptions)
            # OHWI → OIHW; input channels / filter input channels groups.
            weight, group = w.transpose(0, 3, 1, 2), self.shape(x)[3] // w.shape[3]
        strides, dilations = [o.StrideH(), o.StrideW()], [o.DilationHFactor(), o.DilationWFactor()]
        kernel = list(weight.shape[2:])
        pads = self.spatial(x, y, kernel, strides, dilations, o.Padding(), self.tensor_name(y))
        inputs = [self.value(x), self.initializer(weight, self.tensor_name(w_i))]
        if b_i >= 0:
            inputs.append(self.initializer(self.constant(b_i, "convolution bias").astype(np.float32), self.tensor_name(b_i)))
        out = self.output(y)
        act = o.FusedActivationFunction()
        self.node("Conv", inputs, [self.target(act, out)], kernel_shape=kernel, strides=strides,
                  dilations=dilations, pads=pads, group=group)
        self.fused(act, self.nodes[-1].output[0], out)

    def pool(self, op, onnx_type):
        x, y = op.Inputs(0), op.Outputs(0)
        o = self.options(op, tflite.Pool2DOptions)
        kernel, strides = [o.FilterHeight(), o.FilterWidth()], [o.StrideH(), o.StrideW()]
        pads = self.spatial(x, y, kernel, strides, [1, 1], o.Padding(), self.tensor_name(y))
        out = self.output(y)
        act = o.FusedActivationFunction()
        extra = {"count_include_pad": 0} if onnx_type == "AveragePool" else {}   # TFLite averages real pixels only
        self.node(onnx_type, [self.value(x)], [self.target(act, out)], kernel_shape=kernel, strides=strides,
                  pads=pads, **extra)
        self.fused(act, self.nodes[-1].output[0], out)

    def binary(self, op, onnx_type, options_cls):
        a, b = self.value(op.Inputs(0)), self.value(op.Inputs(1))
        out = self.output(op.Outputs(0))
        act = self.options(op, options_cls).FusedActivationFunction() if op.BuiltinOptions() else 0
        self.node(onnx_type, [a, b], [self.target(act, out)])
        self.fused(act, self.nodes[-1].output[0], out)

    def unary(self, op, onnx_type):
        x = self.value(op.Inputs(0))
        self.node(onnx_type, [x], [self.output(op.Outputs(0))])

    def mean(self, op):
        axes = [int(a) % 4 for a in self.constant(op.Inputs(1), "MEAN axes").reshape(-1)]
        if not self.options(op, tflite.ReducerOptions).KeepDims():
            raise ConversionError("MEAN without keep_dims would leave a tensor of rank < 4")
        self.node("ReduceMean", [self.value(op.Inputs(0))], [self.output(op.Outputs(0))],
                  axes=sorted(NHWC_TO_NCHW.index(a) for a in axes), keepdims=1)

    def resize_bilinear(self, op):
        x, y = op.Inputs(0), op.Outputs(0)
        o = self.options(op, tflite.ResizeBilinearOptions)
        if o.AlignCorners() and o.HalfPixelCenters():
            raise ConversionError("RESIZE_BILINEAR with both align_corners and half_pixel_centers")
        mode = "align_corners" if o.AlignCorners() else "half_pixel" if o.HalfPixelCenters() else "asymmetric"
        size = [int(v) for v in self.constant(op.Inputs(1), "RESIZE_BILINEAR size").reshape(-1)]
        n, _, _, c = self.shape(x)
        if [n] + size + [c] != self.shape(y):
            raise ConversionError(f"RESIZE_BILINEAR to {size} but the output is {self.shape(y)}")
        sizes = self.initializer(np.array([n, c] + size, np.int64), f"{self.tensor_name(y)}/sizes")
        self.node("Resize", [self.value(x), "", "", sizes], [self.output(y)], mode="linear",
                  coordinate_transformation_mode=mode)

    def dequantize(self, op):
        x, y = op.Inputs(0), op.Outputs(0)
        array = self.constant(x, "DEQUANTIZE input")
        if array.dtype == np.float16:
            self.constants[y] = array.astype(np.float32)
            return
        q = self.tensor(x).Quantization()
        if q is None or q.ScaleLength() == 0:
            raise ConversionError(f"DEQUANTIZE of {array.dtype} tensor {self.tensor_name(x)!r} without scales")
        scale, zero = q.ScaleAsNumpy().astype(np.float32), q.ZeroPointAsNumpy().astype(np.float32)
        if scale.size > 1:   # per-axis: broadcast along the quantized dimension
            shape = [1] * array.ndim
            shape[q.QuantizedDimension()] = -1
            scale, zero = scale.reshape(shape), zero.reshape(shape)
        self.constants[y] = (array.astype(np.float32) - zero) * scale

    def transpose_conv_bias(self, op):
        """MediaPipe's Convolution2DTransposeBias: options are a TfLiteTransposeConvParams struct
        (padding, stride_width, stride_height as int32); weights OHWI; bias per output channel.
        SAME crops P = max(0, k − (in − 1) mod s − 1) pixels, P // 2 of them at the start."""
        raw = op.CustomOptionsAsNumpy().tobytes() if op.CustomOptionsLength() else b""
        if len(raw) < 12:
            raise ConversionError(f"Convolution2DTransposeBias options are {len(raw)} bytes, expected at least 12")
        padding_code, stride_w, stride_h = struct.unpack("<iii", raw[:12])
        if padding_code not in CUSTOM_PADDING:
            raise ConversionError(f"Convolution2DTransposeBias: unknown padding code {padding_code}")
        x, y = op.Inputs(0), op.Outputs(0)
        w = self.constant(op.Inputs(1), "transposed convolution weights").astype(np.float32)
        b = self.constant(op.Inputs(2), "transposed convolution bias").astype(np.float32)
        _, h, wd, _ = self.shape(x)
        _, kh, kw, _ = w.shape
        pads = []
        for size, k, s in ((h, kh, stride_h), (wd, kw, stride_w)):
            p = max(0, k - (size - 1) % s - 1) if CUSTOM_PADDING[padding_code] == SAME else 0
            pads.append((p // 2, p - p // 2, s * (size - 1) + k - p))
        if [pads[0][2], pads[1][2]] != self.shape(y)[1:3]:
            raise ConversionError(f"Convolution2DTransposeBias: computed output {pads[0][2]}x{pads[1][2]}, "
                                  f"the model says {self.shape(y)[1:3]}")
        inputs = [self.value(x), self.initializer(w.transpose(3, 0, 1, 2), self.tensor_name(op.Inputs(1))),
                  self.initializer(b, self.tensor_name(op.Inputs(2)))]
        self.node("ConvTranspose", inputs, [self.output(y)], kernel_shape=[kh, kw], strides=[stride_h, stride_w],
                  pads=[pads[0][0], pads[1][0], pads[0][1], pads[1][1]])

    # --- graph ---------------------------------------------------------------------------------

    def convert(self, input_names, output_names):
        graph_inputs, graph_outputs = [], []
        tfl_inputs = [int(i) for i in self.graph.InputsAsNumpy()]
        tfl_outputs = [int(i) for i in self.graph.OutputsAsNumpy()]
        input_names = input_names or [self.tensor_name(i) for i in tfl_inputs]
        output_names = output_names or [self.tensor_name(i) for i in tfl_outputs]
        for names, tensors, what in ((input_names, tfl_inputs, "inputs"), (output_names, tfl_outputs, "outputs")):
            if len(names) != len(tensors):
                raise ConversionError(f"{len(names)} {what} names given, the model has {len(tensors)}")
        self.used_names.update(input_names + output_names)
        for name, i in zip(input_names, tfl_inputs):
            graph_inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, self.shape(i)))
            self.node("Transpose", [name], [self.output(i)], perm=NHWC_TO_NCHW)
        handlers = {
            "CONV_2D": lambda op: self.conv(op, depthwise=False),
            "DEPTHWISE_CONV_2D": lambda op: self.conv(op, depthwise=True),
            "AVERAGE_POOL_2D": lambda op: self.pool(op, "AveragePool"),
            "MAX_POOL_2D": lambda op: self.pool(op, "MaxPool"),
            "ADD": lambda op: self.binary(op, "Add", tflite.AddOptions),
            "MUL": lambda op: self.binary(op, "Mul", tflite.MulOptions),
            "RELU": lambda op: self.unary(op, "Relu"),
            "LOGISTIC": lambda op: self.unary(op, "Sigmoid"),
            "HARD_SWISH": lambda op: self.unary(op, "HardSwish"),
            "MEAN": self.mean,
            "RESIZE_BILINEAR": self.resize_bilinear,
            "DEQUANTIZE": self.dequantize,
        }
        custom = {"Convolution2DTransposeBias": self.transpose_conv_bias}
        for k in range(self.graph.OperatorsLength()):
            op = self.graph.Operators(k)
            code = self.model.OperatorCodes(op.OpcodeIndex())
            builtin = OPCODE_NAMES.get(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()), "?")
            if builtin == "CUSTOM":
                name = (code.CustomCode() or b"").decode()
                handler = custom.get(name)
                label = f"custom op {name!r}"
            else:
                handler = handlers.get(builtin)
                label = f"op {builtin}"
            if handler is None:
                raise ConversionError(f"operator {k}: unsupported {label} (output {self.tensor_name(op.Outputs(0))!r})")
            try:
                handler(op)
            except ConversionError as e:
                raise ConversionError(f"operator {k} ({label}): {e}") from None
        for name, i in zip(output_names, tfl_outputs):
            if i not in self.names:
                raise ConversionError(f"output {self.tensor_name(i)!r} is never computed")
            n, h, w, c = self.shape(i)
            self.node("Transpose", [self.names[i]], [name], perm=NCHW_TO_NHWC)
            graph_outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, [n, h, w, c]))
        graph = helper.make_graph(self.nodes, "converted_tflite", graph_inputs, graph_outputs, self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="seeing/convert_tflite.py")
        model.ir_version = 8
        onnx.checker.check_model(model)
        self.check_shapes(model)
        return model

    def check_shapes(self, model):
        """ONNX shape inference must agree with every TFLite activation shape (NHWC → NCHW)."""
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True).graph.value_info
        shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in inferred}
        for i, name in self.names.items():
            if name in shapes and len(self.shape(i)) == 4:
                n, h, w, c = self.shape(i)
                if shapes[name] != [n, c, h, w]:
                    raise ConversionError(f"{name!r}: ONNX infers {shapes[name]}, TFLite says NCHW {[n, c, h, w]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("output")
    ap.add_argument("--input-names", default="")
    ap.add_argument("--output-names", default="")
    args = ap.parse_args()
    with open(args.model, "rb") as f:
        data = f.read()
    split = lambda s: [n for n in s.split(",") if n]   # noqa: E731
    try:
        model = Converter(data).convert(split(args.input_names), split(args.output_names))
    except ConversionError as e:
        raise SystemExit(f"convert_tflite: {args.model}: {e}")
    tmp = args.output + ".tmp"
    onnx.save(model, tmp)
    os.replace(tmp, args.output)
    params = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    print(f"wrote {args.output} ({len(model.graph.node)} nodes, {params:,} parameters)")


if __name__ == "__main__":
    main()
