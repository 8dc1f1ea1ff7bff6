"""Round trip with flint: python3 roundtrip.py flint.safetensors expected.json out.safetensors

Reads the file flint wrote, checks every tensor against expected.json ({name: {dtype, shape,
values}}, values as strings so int64 stays exact) and the metadata, checks that re-serializing
gives the same bytes (same layout as flint), then writes out.safetensors with every float
tensor doubled, every integer tensor plus 7, two new tensors and one more metadata entry.
Prints a JSON summary.
"""
import json
import sys

import torch

import safetensors_mini as st

src, expected_path, dst = sys.argv[1:4]
with open(expected_path) as f:
    expected = json.load(f)

raw = open(src, "rb").read()
tensors, metadata = st.loads(raw)
assert sorted(tensors) == sorted(expected["tensors"]), (sorted(tensors), sorted(expected["tensors"]))
assert metadata == expected["metadata"], (metadata, expected["metadata"])
for name, exp in expected["tensors"].items():
    t = tensors[name]
    assert st.NAMES[t.dtype] == exp["dtype"], (name, t.dtype, exp["dtype"])
    assert list(t.shape) == exp["shape"], (name, list(t.shape), exp["shape"])
    conv = float if t.dtype.is_floating_point else int
    got = t.reshape(-1).tolist()
    want = [conv(v) for v in exp["values"]]
    assert got == want, (name, got, want)

same_bytes = st.dumps(tensors, metadata) == raw

out = {}
for name, t in tensors.items():
    out[name] = t * 2 if t.dtype.is_floating_point else t + 7
out["python.added"] = torch.arange(5, dtype=torch.int64) * 3
out["python.pi"] = torch.tensor([[3.141592653589793, -0.5]], dtype=torch.float64)
meta = dict(metadata or {})
meta["writer"] = "python"
st.write(dst, out, meta)
print(json.dumps({"ok": True, "sameBytes": same_bytes, "n": len(tensors)}))
