#!/usr/bin/python3
"""Reads an ImageNet MobileNetV2 TFLite file by hand (numpy only: no tflite or
tensorflow package) and builds the float torch.nn.Module from its
dequantised weights.

    /usr/bin/python3 tools/train/tflite_mobilenet.py            # parity check
    /usr/bin/python3 tools/train/tflite_mobilenet.py --dump     # layer table

Files (../shared/pretrained/, google-coral/test_data commit 104342d2,
Apache-2.0; see data/models/SOURCES.md):
- tf2_mobilenet_v2_1.0_224_ptq.tflite (default): int8 weights, one scale
  per output channel (w[c] = scale[c]*q[c]), int32 biases (scale = s_in*s_w[c]).
- mobilenet_v2_1.0_224_quant.tflite: uint8 weights, one scale per tensor
  (w = scale*(q - zero_point)), quantisation-aware trained.

The flatbuffer (TFLite schema.fbs) is parsed with vtables: Model ->
operator_codes, subgraphs[0] -> tensors (shape, type, buffer, name,
quantization scale/zero_point/quantized_dimension) and operators (opcode index,
inputs, outputs, builtin options), buffers[i].data.

Layer table found (`--dump` prints it in full). Both files hold one subgraph
with the same float graph, activations NHWC, every convolution padding SAME,
batch norm folded into the biases (224x224 input; blocks are numbered 0-16):

  op                 weight (file layout)     output       stride  activation
  CONV_2D  stem      [32,3,3,3]     OHWI      112x112x32   2       ReLU6
  block 0: DEPTHWISE [1,3,3,32]     1HWC, CONV_2D 1x1 project [16,1,1,32] (linear)
  blocks 1-16: CONV_2D 1x1 expand [6C,1,1,C] ReLU6, DEPTHWISE_CONV_2D 3x3
           [1,3,3,6C] ReLU6 (stride 2 in blocks 1, 3, 6, 13), CONV_2D 1x1 project
           [C',1,1,6C] linear, ADD (residual) when stride 1 and C == C' (10 blocks)
  stage outputs: 112x112x16 (block 0), 56x56x24 (2), 28x28x32 (5), 14x14x64 (9),
           14x14x96 (12), 7x7x160 (15), 7x7x320 (16)
  CONV_2D 1x1 final  [1280,1,1,320]           7x7x1280     1       ReLU6
  pool: MEAN over H,W keep_dims (ptq file) / AVERAGE_POOL_2D 7x7 VALID (quant file)
  CONV_2D 1x1 logits [1001,1,1,1280]          1x1x1001             linear
  RESHAPE [1,1001], SOFTMAX beta 1: 1001 classes, 0 = background.
  tf2 ptq file: 177 tensors, 68 ops (QUANTIZE uint8 -> int8 at the input,
     scale 1/127.5 zero point 127; QUANTIZE int8 -> uint8 at the output), weights
     int8 with one scale per output channel (quantized_dimension 0; depthwise
     per channel along dim 3).
  quant file: 174 tensors, 66 ops, uint8 input (scale 1/128, zero point 128),
     weights uint8 with one scale and zero point per tensor.

The torch module runs the float graph: input RGB in [-1, 1], NCHW; TF SAME
padding computed per input size (pad_total = max((ceil(n/s)-1)*s + k - n, 0),
the extra pixel bottom/right, i.e. bottom/right only at stride 2 on even
sizes), so it takes any input size (224, 384, 500, 512 ...). ReLU6 where the
file fuses it; quantise/dequantise ops are dropped; forward returns the 1001
logits (before the softmax).

`features(x, taps)` returns the global-average-pooled outputs named in taps:
"final" (the 1280-channel conv), "c16", "c24", "c32", "c64", "c96", "c160",
"c320" (the output of the last block of each stage, residual add included).
"""
import argparse
import math
import os
import struct
import sys

import numpy as np

PRETRAINED = os.environ.get("RALI_PRETRAINED", "/work/shared/pretrained")
DEFAULT_TFLITE = os.path.join(PRETRAINED, "tf2_mobilenet_v2_1.0_224_ptq.tflite")
QUANT_TFLITE = os.path.join(PRETRAINED, "mobilenet_v2_1.0_224_quant.tflite")

# ------------------------------------------------------------- flatbuffer


class _Table:
    """One flatbuffer table: buf, position, vtable."""

    def __init__(self, buf, pos):
        self.buf, self.pos = buf, pos
        vt = pos - struct.unpack_from("<i", buf, pos)[0]
        vt_size = struct.unpack_from("<H", buf, vt)[0]
        self.nfields = (vt_size - 4) // 2
        self.offs = struct.unpack_from(f"<{self.nfields}H", buf, vt + 4)

    def _off(self, field):
        return self.offs[field] if field < self.nfields else 0

    def scalar(self, field, fmt, default=0):
        o = self._off(field)
        return struct.unpack_from("<" + fmt, self.buf, self.pos + o)[0] if o else default

    def _ref(self, field):
        o = self._off(field)
        if not o:
            return None
        p = self.pos + o
        return p + struct.unpack_from("<I", self.buf, p)[0]

    def table(self, field):
        p = self._ref(field)
        return None if p is None else _Table(self.buf, p)

    def string(self, field):
        p = self._ref(field)
        if p is None:
            return None
        n = struct.unpack_from("<I", self.buf, p)[0]
        return bytes(self.buf[p + 4:p + 4 + n]).decode("utf-8", "replace")

    def vector(self, field, dtype):
        """Vector of scalars as a numpy array (no copy)."""
        p = self._ref(field)
        if p is None:
            return None
        n = struct.unpack_from("<I", self.buf, p)[0]
        return np.frombuffer(self.buf, dtype=np.dtype(dtype).newbyteorder("<"), count=n, offset=p + 4)

    def tables(self, field):
        p = self._ref(field)
        if p is None:
            return []
        n = struct.unpack_from("<I", self.buf, p)[0]
        out = []
        for i in range(n):
            e = p + 4 + 4 * i
            out.append(_Table(self.buf, e + struct.unpack_from("<I", self.buf, e)[0]))
        return out


# schema.fbs enums (the subset used here)
TENSOR_TYPES = {0: "float32", 1: "float16", 2: "int32", 3: "uint8", 4: "int64", 7: "int16", 9: "int8"}
BUILTIN_OPS = {0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D",
               6: "DEQUANTIZE", 9: "FULLY_CONNECTED", 14: "LOGISTIC", 17: "MAX_POOL_2D", 18: "MUL",
               19: "RELU", 21: "RELU6", 22: "RESHAPE", 25: "SOFTMAX", 34: "PAD", 40: "MEAN",
               114: "QUANTIZE"}
PADDING = {0: "SAME", 1: "VALID"}
ACTIVATIONS = {0: None, 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH"}


def _options(op_name, t):
    """Builtin options of an operator as a dict (the fields of schema.fbs)."""
    if t is None:
        return {}
    if op_name == "CONV_2D":       # Conv2DOptions
        return {"padding": PADDING[t.scalar(0, "b")], "stride_w": t.scalar(1, "i"),
                "stride_h": t.scalar(2, "i"), "activation": ACTIVATIONS[t.scalar(3, "b")],
                "dilation_w": t.scalar(4, "i", 1), "dilation_h": t.scalar(5, "i", 1)}
    if op_name == "DEPTHWISE_CONV_2D":  # DepthwiseConv2DOptions
        return {"padding": PADDING[t.scalar(0, "b")], "stride_w": t.scalar(1, "i"),
                "stride_h": t.scalar(2, "i"), "depth_multiplier": t.scalar(3, "i"),
                "activation": ACTIVATIONS[t.scalar(4, "b")],
                "dilation_w": t.scalar(5, "i", 1), "dilation_h": t.scalar(6, "i", 1)}
    if op_name in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):  # Pool2DOptions
        return {"padding": PADDING[t.scalar(0, "b")], "stride_w": t.scalar(1, "i"),
                "stride_h": t.scalar(2, "i"), "filter_w": t.scalar(3, "i"),
                "filter_h": t.scalar(4, "i"), "activation": ACTIVATIONS[t.scalar(5, "b")]}
    if op_name == "FULLY_CONNECTED":
        return {"activation": ACTIVATIONS[t.scalar(0, "b")], "keep_num_dims": bool(t.scalar(2, "B"))}
    if op_name in ("ADD", "MUL"):
        return {"activation": ACTIVATIONS[t.scalar(0, "b")]}
    if op_name == "SOFTMAX":
        return {"beta": t.scalar(0, "f", 0.0)}
    if op_name == "RESHAPE":
        v = t.vector(0, "<i4")
        return {"new_shape": None if v is None else v.tolist()}
    if op_name == "MEAN":           # ReducerOptions
        return {"keep_dims": bool(t.scalar(0, "B"))}
    return {}


def read_tflite(path):
    """Parses a .tflite file. Returns a dict: description, opcodes (names),
    subgraph = {inputs, outputs, tensors: [{name, shape, type, buffer, quant:
    {scale, zero_point, dim} or None, data: numpy array or None}], operators:
    [{op, inputs, outputs, options}]}."""
    with open(path, "rb") as fh:
        buf = fh.read()
    if buf[4:8] != b"TFL3":
        raise ValueError(f"{path}: not a TFLite file (identifier {buf[4:8]!r})")
    model = _Table(buf, struct.unpack_from("<I", buf, 0)[0])
    opcodes = []
    for oc in model.tables(1):
        code = max(oc.scalar(0, "b"), oc.scalar(3, "i"))  # deprecated_builtin_code, builtin_code
        opcodes.append(BUILTIN_OPS.get(code, f"OP{code}"))
    buffers = [b.vector(0, "u1") for b in model.tables(4)]
    subgraphs = model.tables(2)
    sg = subgraphs[0]
    tensors = []
    for t in sg.tables(0):
        shape = t.vector(0, "<i4")
        ttype = TENSOR_TYPES.get(t.scalar(1, "b"), f"type{t.scalar(1, 'b')}")
        bidx = t.scalar(2, "I")
        q = t.table(4)
        quant = None
        if q is not None:
            scale = q.vector(2, "<f4")
            if scale is not None and len(scale):
                zp = q.vector(3, "<i8")
                quant = {"scale": scale.astype(np.float64),
                         "zero_point": (zp if zp is not None else np.zeros(len(scale), np.int64)).astype(np.int64),
                         "dim": q.scalar(6, "i")}
        raw = buffers[bidx] if bidx < len(buffers) else None
        data = None
        if raw is not None and len(raw):
            data = np.frombuffer(raw.tobytes(), dtype=np.dtype(ttype).newbyteorder("<")).reshape(shape)
        tensors.append({"name": t.string(3), "shape": shape.tolist() if shape is not None else [],
                        "type": ttype, "buffer": bidx, "quant": quant, "data": data})
    operators = []
    for o in sg.tables(3):
        name = opcodes[o.scalar(0, "I")]
        operators.append({"op": name, "inputs": o.vector(1, "<i4").tolist(),
                          "outputs": o.vector(2, "<i4").tolist(),
                          "options": _options(name, o.table(4))})
    return {"description": model.string(3), "opcodes": opcodes, "n_subgraphs": len(subgraphs),
            "subgraph": {"inputs": sg.vector(1, "<i4").tolist(), "outputs": sg.vector(2, "<i4").tolist(),
                         "tensors": tensors, "operators": operators, "name": sg.string(4)}}


def dequantize(t):
    """Float numpy array of a constant tensor: int8 per channel
    w = scale[c]*(q - zp[c]) along quant dim, uint8 scale*(q - zero_point),
    int32 biases likewise (their scale is s_in*s_w[c] in the file)."""
    q = t["data"]
    if t["type"] == "float32":
        return q.astype(np.float32)
    qp = t["quant"]
    if qp is None:
        raise ValueError(f"{t['name']}: {t['type']} tensor without quantisation")
    scale, zp = qp["scale"], qp["zero_point"]
    if len(scale) > 1:
        bshape = [1] * q.ndim
        bshape[qp["dim"]] = len(scale)
        scale, zp = scale.reshape(bshape), zp.reshape(bshape)
    return (scale * (q.astype(np.float64) - zp)).astype(np.float32)


# ------------------------------------------------------------------ torch

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def _same_pad(n, k, s, d=1):
    """TF SAME padding along one axis of size n: (before, after)."""
    k_eff = (k - 1) * d + 1
    total = max((math.ceil(n / s) - 1) * s + k_eff - n, 0)
    return total // 2, total - total // 2


class TFConv2d(nn.Conv2d):
    """Conv2d with TF padding (SAME computed per input size, or VALID) and
    the fused activation."""

    def __init__(self, cin, cout, k, stride, groups, tf_padding, activation):
        super().__init__(cin, cout, k, stride=stride, padding=0, groups=groups, bias=True)
        self.tf_padding = tf_padding
        self.activation = activation
        self.k, self.s = k, stride

    def forward(self, x):
        if self.tf_padding == "SAME" and self.k > 1:
            if self.s == 1 and self.k % 2 == 1:
                p = self.k // 2
                y = F.conv2d(x, self.weight, self.bias, 1, p, 1, self.groups)
            else:
                top, bottom = _same_pad(x.shape[2], self.k, self.s)
                left, right = _same_pad(x.shape[3], self.k, self.s)
                x = F.pad(x, (left, right, top, bottom))
                y = F.conv2d(x, self.weight, self.bias, self.s, 0, 1, self.groups)
        else:
            y = F.conv2d(x, self.weight, self.bias, self.s, 0, 1, self.groups)
        if self.activation == "RELU6":
            y = F.hardtanh(y, 0.0, 6.0, inplace=True)
        elif self.activation == "RELU":
            y = F.relu(y, inplace=True)
        elif self.activation is not None:
            raise ValueError(f"activation {self.activation} not supported")
        return y


class MobileNetV2(nn.Module):
    """Float MobileNetV2 built from a TFLite file's graph (op by op, in the
    file's order). Input NCHW RGB in [-1, 1]; forward returns the 1001 logits.
    Buffers/parameters are float32 and trainable."""

    TAPS = ("c16", "c24", "c32", "c64", "c96", "c160", "c320", "final")

    def __init__(self, path=DEFAULT_TFLITE):
        super().__init__()
        m = read_tflite(path)
        sg = m["subgraph"]
        ts = sg["tensors"]
        self.source = os.path.basename(path)
        self.convs = nn.ModuleList()
        steps = []   # (kind, inputs, output, conv index)
        for op in sg["operators"]:
            name, o = op["op"], op["options"]
            ins, out = op["inputs"], op["outputs"][0]
            if name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
                if (o.get("dilation_w", 1), o.get("dilation_h", 1)) != (1, 1) or o["stride_w"] != o["stride_h"]:
                    raise ValueError(f"{name}: unsupported options {o}")
                w = dequantize(ts[ins[1]])
                b = dequantize(ts[ins[2]]) if len(ins) > 2 and ins[2] >= 0 else None
                self._check_bias_scale(ts, ins)
                if name == "CONV_2D":
                    cout, kh, kw, cin = w.shape
                    w = w.transpose(0, 3, 1, 2)        # OHWI -> OIHW
                    groups = 1
                else:
                    _, kh, kw, c = w.shape
                    if o["depth_multiplier"] != 1:
                        raise ValueError("depth_multiplier != 1 not supported")
                    w = w.transpose(3, 0, 1, 2)        # [1,H,W,C] -> [C,1,H,W]
                    cin = cout = groups = c
                if kh != kw:
                    raise ValueError("non-square kernel")
                conv = TFConv2d(cin, cout, kh, o["stride_h"], groups, o["padding"], o["activation"])
                with torch.no_grad():
                    conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(w)))
                    conv.bias.copy_(torch.from_numpy(b) if b is not None else torch.zeros(cout))
                steps.append(("conv", [ins[0]], out, len(self.convs)))
                self.convs.append(conv)
            elif name == "ADD":
                if o["activation"] is not None:
                    raise ValueError("fused activation on ADD not supported")
                steps.append(("add", ins[:2], out, -1))
            elif name == "MEAN":
                axes = ts[ins[1]]["data"].tolist()
                if sorted(axes) != [1, 2]:
                    raise ValueError(f"MEAN over axes {axes} not supported")
                steps.append(("gap", [ins[0]], out, -1))
            elif name == "AVERAGE_POOL_2D":
                shp = ts[ins[0]]["shape"]
                if (o["filter_h"], o["filter_w"]) != (shp[1], shp[2]) or o["padding"] != "VALID":
                    raise ValueError("only a global AVERAGE_POOL_2D is supported")
                steps.append(("gap", [ins[0]], out, -1))
            elif name == "RESHAPE":
                steps.append(("flatten", [ins[0]], out, -1))
            elif name in ("QUANTIZE", "DEQUANTIZE", "SOFTMAX"):
                steps.append(("identity", [ins[0]], out, -1))   # float graph: logits out
            else:
                raise ValueError(f"operator {name} not supported")
        self.steps = steps
        self.input_tensor = sg["inputs"][0]
        self.output_tensor = sg["outputs"][0]
        # taps: the 1280-channel conv's output, and the last block output of each width
        self.tap_tensor = {}
        final_step = None
        for i, (kind, _, out, ci) in enumerate(steps):
            if kind == "conv" and self.convs[ci].out_channels == 1280:
                self.tap_tensor["final"] = out
                final_step = i
                break
        if final_step is None:
            raise ValueError("no 1280-channel convolution found")
        for kind, _, out, ci in steps[:final_step]:
            if kind == "add" or (kind == "conv" and self.convs[ci].activation is None):
                self.tap_tensor[f"c{ts[out]['shape'][3]}"] = out
        self.final_step = final_step
        self.n_classes = ts[self.output_tensor]["shape"][-1]

    @staticmethod
    def _check_bias_scale(ts, ins):
        """The file's int32 bias scale should be s_in * s_w[c]."""
        if len(ins) < 3 or ins[2] < 0 or ts[ins[2]]["quant"] is None or ts[ins[0]]["quant"] is None:
            return
        s_in = ts[ins[0]]["quant"]["scale"][0]
        s_w = ts[ins[1]]["quant"]["scale"]
        s_b = ts[ins[2]]["quant"]["scale"]
        if not np.allclose(s_b, s_in * s_w, rtol=1e-4):
            raise ValueError(f"bias scale of {ts[ins[2]]['name']} != s_in*s_w")

    def _run(self, x, upto, want=()):
        env = {self.input_tensor: x}
        got = {}
        for kind, ins, out, ci in self.steps[:upto]:
            a = env[ins[0]]
            if kind == "conv":
                y = self.convs[ci](a)
            elif kind == "add":
                y = a + env[ins[1]]
            elif kind == "gap":
                y = a.mean(dim=(2, 3), keepdim=True)
            elif kind == "flatten":
                y = a.flatten(1)
            else:
                y = a
            env[out] = y
            if out in want:
                got[out] = y
        return env, got

    def forward(self, x):
        env, _ = self._run(x, len(self.steps))
        return env[self.output_tensor]

    def features(self, x, taps=("c96", "c320", "final")):
        """Global-average-pooled outputs of the named taps: dict name ->
        [N, C] tensor (see TAPS)."""
        for t in taps:
            if t not in self.tap_tensor:
                raise KeyError(f"tap {t!r}; known: {sorted(self.tap_tensor)}")
        want = {self.tap_tensor[t] for t in taps}
        _, got = self._run(x, self.final_step + 1, want)
        return {t: got[self.tap_tensor[t]].mean(dim=(2, 3)) for t in taps}


def load_rgb(path, size=None):
    """Image file -> float32 NCHW tensor [1,3,H,W] scaled to [-1, 1]
    (bicubic resize to size x size when given)."""
    from PIL import Image
    im = Image.open(path).convert("RGB")
    if size is not None and im.size != (size, size):
        im = im.resize((size, size), Image.BICUBIC)
    a = np.asarray(im, dtype=np.float32) / 127.5 - 1.0
    return torch.from_numpy(a.transpose(2, 0, 1).copy()).unsqueeze(0)


def dump(path):
    m = read_tflite(path)
    sg = m["subgraph"]
    ts = sg["tensors"]
    print(f"== {os.path.basename(path)}: {len(ts)} tensors, {len(sg['operators'])} operators,"
          f" {m['n_subgraphs']} subgraph(s)")
    for i in sg["inputs"] + sg["outputs"]:
        t = ts[i]
        print(f"  io {t['name']} {t['shape']} {t['type']} scale {t['quant']['scale'][0]:.6g}"
              f" zp {t['quant']['zero_point'][0]}")
    for k, op in enumerate(sg["operators"]):
        parts = []
        for i in op["inputs"]:
            if i < 0:
                continue
            t = ts[i]
            nq = len(t["quant"]["scale"]) if t["quant"] else 0
            parts.append(f"{t['shape']}{t['type']}" + (f"/{nq}sc" if nq > 1 else ""))
        o = {a: b for a, b in op["options"].items() if a not in ("dilation_w", "dilation_h")}
        print(f"  {k:3d} {op['op']:18s} {' '.join(parts)} -> {ts[op['outputs'][0]]['shape']} {o}")


def parity(path, pretrained=PRETRAINED):
    torch.set_num_threads(1)
    labels = [ln.rstrip("\n") for ln in open(os.path.join(pretrained, "imagenet_labels.txt"))]
    net = MobileNetV2(path).eval()
    assert net.n_classes == len(labels) == 1001, (net.n_classes, len(labels))
    print(f"{os.path.basename(path)}: taps {net.tap_tensor}")
    with torch.inference_mode():
        for name in ("cat", "bird", "grace_hopper"):
            x = load_rgb(os.path.join(pretrained, name + ".bmp"), 224)
            p = torch.softmax(net(x), dim=1)[0]
            top = torch.topk(p, 5)
            print(f"  {name}: " + "; ".join(f"{labels[i]} ({v:.3f})" for v, i in
                                             zip(top.values.tolist(), top.indices.tolist())))
        f = net.features(load_rgb(os.path.join(pretrained, "cat.bmp"), 512))
        print("  features at 512x512:", {k: tuple(v.shape) for k, v in f.items()})
        f = net.features(load_rgb(os.path.join(pretrained, "cat.bmp"), 500))
        print("  features at 500x500:", {k: tuple(v.shape) for k, v in f.items()})


def main():
    ap = argparse.ArgumentParser(description="TFLite MobileNetV2 reader: parity check / layer dump")
    ap.add_argument("--model", action="append", help="tflite file(s); default: both files")
    ap.add_argument("--dump", action="store_true", help="print the layer table")
    args = ap.parse_args()
    for path in args.model or [DEFAULT_TFLITE, QUANT_TFLITE]:
        if args.dump:
            dump(path)
        else:
            parity(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
