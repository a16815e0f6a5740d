#!/usr/bin/env python3
"""Writes the model-scan benchmark inputs into OUT_DIR:

  numpy_1g.pkl   a 1 GiB float32 numpy array, pickle protocol 4 (numpy)
  torch_1g.pt    a 1 GiB PyTorch-style zip: archive/data.pkl (a state dict
                 of four 256 MiB float32 tensors) + archive/data/0..3, stored,
                 written by hand in torch.save's layout (the torch wheel is
                 not installable here)

Usage: gen_models.py OUT_DIR
"""

import collections
import io
import os
import pickle
import sys
import types
import zipfile

import numpy as np

GIB = 1 << 30


def numpy_pickle(path):
    arr = np.zeros(GIB // 4, dtype=np.float32)
    with open(path, "wb") as f:
        pickle.dump(arr, f, protocol=4)


def _fake(module, name, kind="function"):
    obj = type(name, (), {}) if kind == "class" else types.FunctionType((lambda *a: None).__code__, {}, name)
    obj.__module__, obj.__qualname__ = module, name
    mod = sys.modules.setdefault(module, types.ModuleType(module))
    setattr(mod, name, obj)
    return obj


def torch_zip(path, tensors=4):
    rebuild = _fake("torch._utils", "_rebuild_tensor_v2")
    storage_cls = _fake("torch", "FloatStorage", "class")
    numel = GIB // 4 // tensors

    class Storage:
        def __init__(self, key):
            self.key = key

    class Tensor:
        def __init__(self, key):
            self.key = key

        def __reduce_ex__(self, proto):
            return (rebuild, (Storage(self.key), 0, (numel,), (1,), False, collections.OrderedDict()))

    class P(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, Storage):
                return ("storage", storage_cls, obj.key, "cpu", numel)
            return None

    sd = collections.OrderedDict((f"layer{i}.weight", Tensor(str(i))) for i in range(tensors))
    buf = io.BytesIO()
    P(buf, protocol=2).dump(sd)
    chunk = b"\0" * (16 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
        z.writestr("archive/data.pkl", buf.getvalue())
        z.writestr("archive/byteorder", b"little")
        for i in range(tensors):
            with z.open(f"archive/data/{i}", "w", force_zip64=True) as m:
                left = numel * 4
                while left:
                    n = min(left, len(chunk))
                    m.write(chunk[:n])
                    left -= n
        z.writestr("archive/version", b"3\n")


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    numpy_pickle(os.path.join(out, "numpy_1g.pkl"))
    torch_zip(os.path.join(out, "torch_1g.pt"))
    print("written to", out)
