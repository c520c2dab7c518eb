"""Reading model files without running code from them, for
tools/convert-rali.py: safetensors parsed by hand, torch's zip checkpoint
format and joblib pickles read through restricted unpicklers that resolve
only tensor/array reconstruction and map every other class to an inert
placeholder.  A file that names os.system and the like is refused outright.
Errors are ConversionError with a message naming the file and the problem."""
import bz2
import io
import json
import lzma
import math
import os
import pickle
import struct
import sys
import zlib

import numpy as np

MAX_PICKLE_BYTES = 1 << 31


class ConversionError(Exception):
    pass


def die(msg):
    raise ConversionError(msg)


def say(msg=""):
    print(msg, flush=True)


def warn(msg):
    print("WARNING: " + msg, flush=True)



def _is_torch_tensor(v):
    t = sys.modules.get("torch")
    return t is not None and isinstance(v, t.Tensor)


# --------------------------------------------------------------------------
# restricted unpickling

class Opaque:
    """Inert stand-in for any class or function a pickle names that we do not
    trust: calling it records the arguments, BUILD fills its __dict__.  It has
    no behaviour, so nothing the file asks for is executed."""
    _qualname = "?"

    def __init__(self, *args, **kwargs):
        self.__dict__["_args"] = args
        self.__dict__["_kwargs"] = kwargs

    def __repr__(self):
        return f"<inert {self._qualname}>"


_opaque_classes = {}


def opaque_class(module, name):
    q = f"{module}.{name}"
    if q not in _opaque_classes:
        _opaque_classes[q] = type(str(name), (Opaque,), {"_qualname": q, "__module__": "inert"})
    return _opaque_classes[q]


# numpy's array/scalar reconstruction: the only callables a pickle may reach
NUMPY_HELPERS = {}
for _mod in ("numpy.core.multiarray", "numpy._core.multiarray"):
    NUMPY_HELPERS[(_mod, "_reconstruct")] = np.core.multiarray._reconstruct
    NUMPY_HELPERS[(_mod, "scalar")] = np.core.multiarray.scalar
for _mod in ("numpy.core.numeric", "numpy._core.numeric"):
    NUMPY_HELPERS[(_mod, "_frombuffer")] = np.core.numeric._frombuffer  # protocol-5 arrays
NUMPY_HELPERS[("numpy", "ndarray")] = np.ndarray
NUMPY_HELPERS[("numpy", "dtype")] = np.dtype


def _latin1_encode(s, encoding="utf-8", *rest):
    """Protocol-2 pickles (torch.save's default) store bytes as
    _codecs.encode(str, 'latin1'); only that codec is honoured."""
    if not isinstance(s, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError(f"_codecs.encode with {encoding!r} refused")
    return s.encode("latin1")


NUMPY_HELPERS[("_codecs", "encode")] = _latin1_encode

# Names that no model file has a legitimate reason to mention.  They are inert
# either way (see Opaque); naming one makes us refuse the file outright.
SUSPICIOUS_MODULES = {"os", "posix", "nt", "subprocess", "sys", "shutil", "socket", "importlib", "runpy",
                      "pty", "ctypes", "pickle", "_pickle", "marshal", "code", "codeop", "webbrowser",
                      "commands", "multiprocessing", "operator", "functools", "types", "io", "_io",
                      "builtins", "__builtin__", "pdb", "timeit", "platform", "signal"}
BENIGN_BUILTINS = {"object", "set", "frozenset", "list", "dict", "tuple", "complex", "slice", "bytearray",
                   "bytes", "range", "str", "int", "float", "bool"}


def suspicious(names):
    out = []
    for q in sorted(names):
        mod, _, name = q.rpartition(".")
        top = mod.split(".")[0]
        if top in ("builtins", "__builtin__") and name in BENIGN_BUILTINS:
            continue
        if top in SUSPICIOUS_MODULES:
            out.append(q)
    return out


class SafeUnpickler(pickle._Unpickler):
    """Pure-Python unpickler (so BUILD can be intercepted the way joblib
    does) that resolves only numpy's reconstruction helpers; every other
    global becomes an Opaque class.  joblib's NumpyArrayWrapper placeholders
    are replaced by the array bytes that follow them in the stream."""
    dispatch = pickle._Unpickler.dispatch.copy()

    def __init__(self, f, label):
        super().__init__(f)
        self.file_handle = f
        self.label = label
        self.neutralised = set()
        self.arrays = 0

    def find_class(self, module, name):
        real = NUMPY_HELPERS.get((module, name))
        if real is not None:
            return real
        self.neutralised.add(f"{module}.{name}")
        return opaque_class(module, name)

    def persistent_load(self, pid):
        raise pickle.UnpicklingError(f"{self.label}: persistent ids are not allowed")

    def load_build(self):
        pickle._Unpickler.load_build(self)
        top = self.stack[-1]
        if isinstance(top, Opaque):
            q = top._qualname
            if q.endswith(".NumpyArrayWrapper") and q.startswith("joblib"):
                self.stack[-1] = self._read_joblib_array(top.__dict__)
            elif q.endswith("NDArrayWrapper") and q.startswith("joblib"):
                die(f"{self.label}: written by joblib < 0.10 (arrays in companion files); "
                    "re-save it with a current joblib")

    dispatch[pickle.BUILD[0]] = load_build

    def _read_joblib_array(self, d):
        """joblib/numpy_pickle.py NumpyArrayWrapper.read_array, without
        joblib: [1 padding-length byte + padding, joblib >= 1.2] then the raw
        array bytes in the wrapper's order."""
        dtype, shape, order = d.get("dtype"), d.get("shape"), d.get("order", "C")
        if not isinstance(dtype, np.dtype) or dtype.hasobject or dtype.kind not in "biufc":
            die(f"{self.label}: joblib array of dtype {dtype!r} refused (only plain numeric arrays)")
        if not isinstance(shape, tuple) or not all(isinstance(s, int) and 0 <= s < 1 << 40 for s in shape):
            die(f"{self.label}: joblib array with bad shape {shape!r}")
        if order not in ("C", "F"):
            die(f"{self.label}: joblib array with bad order {order!r}")
        count = math.prod(shape)
        nbytes = count * dtype.itemsize
        if d.get("numpy_array_alignment_bytes") is not None:
            pad = self.file_handle.read(1)
            if len(pad) != 1:
                die(f"{self.label}: truncated (array padding)")
            self.file_handle.read(pad[0])
        data = self.file_handle.read(nbytes)
        if len(data) != nbytes:
            die(f"{self.label}: truncated: array {list(shape)} {dtype} needs {nbytes} bytes, {len(data)} left")
        a = np.frombuffer(data, dtype=dtype, count=count).copy()
        a = a.reshape(shape[::-1]).T.copy() if order == "F" else a.reshape(shape)
        self.arrays += 1
        return a.astype(dtype.newbyteorder("="), copy=False)


def _bounded_decompress(dec, raw, label, what):
    out = dec.decompress(raw, MAX_PICKLE_BYTES + 1)
    if len(out) > MAX_PICKLE_BYTES:
        die(f"{label}: decompresses to more than {MAX_PICKLE_BYTES} bytes; refusing")
    return out


def load_joblib_pickle(path, label):
    """Returns (object, info) for a joblib.dump (or plain pickle) file."""
    # refused by its size before reading; f.read(n) allocates n bytes up front
    # (and MALLOC_PERTURB_, which meson sets for tests, fills them), so a read
    # is sized by the file, never by the limit
    size = os.path.getsize(path)
    if size > MAX_PICKLE_BYTES:
        die(f"{label}: {size} bytes, larger than {MAX_PICKLE_BYTES}; refusing")
    with open(path, "rb") as f:
        raw = f.read(size)
    # joblib/compressor.py: the "header" of a compressed joblib file is the
    # magic number of its compressor; the stream (pickle + array bytes) is one
    # compressed stream.
    if raw.startswith(b"ZF"):
        die(f"{label}: joblib < 0.9.3 'ZF' format is not supported; re-save it with a current joblib")
    if raw.startswith(b"\x78"):
        kind, data = "zlib", _bounded_decompress(zlib.decompressobj(zlib.MAX_WBITS), raw, label, "zlib")
    elif raw.startswith(b"\x1f\x8b"):
        kind, data = "gzip", _bounded_decompress(zlib.decompressobj(zlib.MAX_WBITS | 16), raw, label, "gzip")
    elif raw.startswith(b"BZ"):
        kind, data = "bz2", _bounded_decompress(bz2.BZ2Decompressor(), raw, label, "bz2")
    elif raw.startswith(b"\xfd7zXZ") or raw.startswith(b"\x5d\x00"):
        kind, data = "xz/lzma", _bounded_decompress(lzma.LZMADecompressor(), raw, label, "lzma")
    elif raw.startswith(b"\x04\x22\x4d\x18"):
        die(f"{label}: lz4-compressed joblib file: lz4 is not available here; re-save with compress=3 (zlib)")
    else:
        kind, data = "uncompressed", raw
    u = SafeUnpickler(io.BytesIO(data), label)
    try:
        obj = u.load()
    except ConversionError:
        raise
    except Exception as e:  # malformed or hostile stream: nothing was executed
        check_neutralised(label, sorted(u.neutralised), quiet=True)
        die(f"{label}: cannot be read as a joblib/pickle file ({type(e).__name__}: {e})")
    return obj, dict(compression=kind, neutralised=sorted(u.neutralised), arrays=u.arrays)


# torch's zip checkpoint format (torch >= 1.6): ARCHIVE/data.pkl is a pickle
# whose persistent ids ('storage', torch.<T>Storage, key, location, numel)
# name raw storages ARCHIVE/data/<key>; tensors are rebuilt by
# torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...).
STORAGE_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
                  "BFloat16Storage": "bf16", "LongStorage": np.int64, "IntStorage": np.int32,
                  "ShortStorage": np.int16, "CharStorage": np.int8, "ByteStorage": np.uint8,
                  "BoolStorage": np.bool_, "UntypedStorage": np.uint8}


class _StorageType:
    def __init__(self, name):
        self.name = name


class _Storage:
    def __init__(self, array, bf16):
        self.array, self.bf16 = array, bf16


def _rebuild_tensor(storage, offset, size, stride, *rest):
    """torch._utils._rebuild_tensor(_v2), on numpy, with bounds checks."""
    import torch
    if not isinstance(storage, _Storage):
        raise pickle.UnpicklingError("tensor rebuilt from something that is not a storage")
    offset, size, stride = int(offset), tuple(int(x) for x in size), tuple(int(x) for x in stride)
    a = storage.array
    if len(size) != len(stride) or offset < 0 or any(x < 0 for x in size + stride):
        raise pickle.UnpicklingError("bad tensor geometry")
    if 0 in size:
        out = np.zeros(size, a.dtype)
    else:
        last = offset + sum((n - 1) * st for n, st in zip(size, stride))
        if last >= a.size:
            raise pickle.UnpicklingError(f"tensor reaches element {last} of a {a.size}-element storage")
        out = np.lib.stride_tricks.as_strided(a[offset:], shape=size,
                                              strides=[st * a.itemsize for st in stride]).copy()
    if storage.bf16:
        out = (out.astype(np.uint32) << 16).view(np.float32)
    return torch.from_numpy(np.array(out, order="C"))  # (ascontiguousarray makes 0-d tensors 1-d)


def _rebuild_parameter(data, *rest):
    return data


def read_torch_zip(path, label):
    """Reads a torch.save zip checkpoint without torch.load and without
    running anything from it: only tensor rebuilding, OrderedDict, torch
    dtypes and numpy's array reconstruction resolve; every other global is
    an inert placeholder.  Returns (object, neutralised names)."""
    import collections
    import torch
    import zipfile
    if not zipfile.is_zipfile(path):
        die(f"{label}: torch.load(weights_only=True) refused it and it is in torch's legacy (pre-1.6) "
            "format, which the restricted reader does not handle; re-save it with a current torch")
    z = zipfile.ZipFile(path)
    names = set(z.namelist())
    pkl = [n for n in names if n == "data.pkl" or n.endswith("/data.pkl")]
    if len(pkl) != 1:
        die(f"{label}: not a torch checkpoint (no single data.pkl in the archive)")
    prefix = pkl[0][:-len("data.pkl")]
    little = True
    if prefix + "byteorder" in names:
        little = z.read(prefix + "byteorder").decode().strip() != "big"
    storages, neutralised = {}, set()
    real = {("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
            ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
            ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
            ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
            ("collections", "OrderedDict"): collections.OrderedDict}

    class Unpickler(pickle.Unpickler):
        def find_class(self, module, name):
            f = NUMPY_HELPERS.get((module, name)) or real.get((module, name))
            if f is not None:
                return f
            if module == "torch" and name in STORAGE_DTYPES:
                return _StorageType(name)
            if module == "torch" and isinstance(getattr(torch, name, None), torch.dtype):
                return getattr(torch, name)
            neutralised.add(f"{module}.{name}")
            return opaque_class(module, name)

        def persistent_load(self, pid):
            if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"
                    and isinstance(pid[1], _StorageType)):
                raise pickle.UnpicklingError(f"unexpected persistent id {pid!r:.80}")
            st, key = pid[1], str(pid[2])
            if key not in storages:
                rec = f"{prefix}data/{key}"
                if rec not in names:
                    raise pickle.UnpicklingError(f"storage {key} is missing from the archive")
                dt = STORAGE_DTYPES[st.name]
                bf16 = dt == "bf16"
                np_dt = np.dtype(np.uint16 if bf16 else dt).newbyteorder("<" if little else ">")
                buf = z.read(rec)
                a = np.frombuffer(buf, dtype=np_dt, count=len(buf) // np_dt.itemsize)
                storages[key] = _Storage(a.astype(np_dt.newbyteorder("=")), bf16)
            return storages[key]

    try:
        with z.open(pkl[0]) as f:
            obj = Unpickler(io.BytesIO(f.read()), encoding="utf-8").load()
    except ConversionError:
        raise
    except Exception as e:
        check_neutralised(label, sorted(neutralised), quiet=True)
        die(f"{label}: cannot be read by the restricted reader ({type(e).__name__}: {e})")
    return obj, sorted(neutralised)


def torch_load(path, label):
    import torch
    import zipfile
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            if any(n.endswith("constants.pkl") for n in z.namelist()):
                # torch.load would hand it to torch.jit.load even with weights_only
                die(f"{label} is a TorchScript archive, not a checkpoint dict; refusing it")
    try:
        return torch.load(path, map_location="cpu", weights_only=True), []
    except pickle.UnpicklingError as e:
        first = str(e).strip().split("WeightsUnpickler error:")[-1].strip()[:200]
        if "operand 71" in first:
            first += " = BINFLOAT: torch 1.13's weights_only cannot read a plain Python float"
        say(f"  {label}: torch.load(weights_only=True) refused a non-tensor object ({first});")
        say("  reading it with our own restricted reader of torch's zip format instead (tensors, OrderedDict,"
            " numpy arrays; every other class becomes an inert placeholder; torch.load is not used)")
    except Exception as e:
        die(f"{label}: cannot be read by torch.load ({type(e).__name__}: {e})")
    # NOT torch.load(pickle_module=...): Debian's torch 1.13.0 ignores pickle_module unless
    # weights_only is set, and would run the file's pickle unrestricted.
    return read_torch_zip(path, label)


def check_neutralised(label, names, quiet=False):
    if not names:
        return
    bad = suspicious(names)
    if bad:
        die(f"{label} names {', '.join(bad)}: a model file has no reason to reference these, so it is "
            "probably malicious; refusing it (nothing from the file was executed)")
    if not quiet:
        say(f"  {label}: classes named in the file, kept as inert placeholders (never called): {', '.join(names)}")


# --------------------------------------------------------------------------
# safetensors (Hugging Face model.safetensors may hold I64 buffers and BF16)

ST_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "BF16": "bf16", "I64": np.int64,
             "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}


def read_safetensors(path, label):
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) != 8:
            die(f"{label}: too short for a safetensors file")
        n = struct.unpack("<Q", head)[0]
        if n == 0 or n > 100_000_000 or n > size - 8:
            die(f"{label}: bad safetensors header length {n}")
        try:
            header = json.loads(f.read(n))
        except ValueError as e:
            die(f"{label}: safetensors header is not JSON ({e})")
        data = f.read()
    if not isinstance(header, dict):
        die(f"{label}: safetensors header is not an object")
    header.pop("__metadata__", None)
    out = {}
    for name, t in header.items():
        try:
            dt = ST_DTYPES[t["dtype"]]
            shape = [int(s) for s in t["shape"]]
            b, e = (int(x) for x in t["data_offsets"])
        except (KeyError, TypeError, ValueError):
            die(f"{label}: tensor {name}: unsupported dtype or bad entry {t!r}")
        count = math.prod(shape)
        item = 2 if dt == "bf16" else np.dtype(dt).itemsize
        if not (0 <= b <= e <= len(data)) or e - b != count * item:
            die(f"{label}: tensor {name}: data_offsets [{b}, {e}) do not fit shape {shape} / file")
        buf = data[b:e]
        if dt == "bf16":
            a = (np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            a = np.frombuffer(buf, dtype=np.dtype(dt).newbyteorder("<")).astype(np.dtype(dt).newbyteorder("="))
        out[name] = a.reshape(shape)
    return out


def to_numpy(v):
    """tensor/array -> numpy; floating types as float32."""
    if _is_torch_tensor(v):
        v = v.detach().cpu()
        if v.is_floating_point():
            return v.float().numpy()
        return v.numpy()
    a = np.asarray(v)
    return a.astype(np.float32) if a.dtype.kind == "f" else a
