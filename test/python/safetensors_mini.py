"""A tiny safetensors reader and writer (struct + json + torch), so the tests need no
`safetensors` package. The writer lays files out as the reference serializer does
(huggingface/safetensors, safetensors/src/tensor.rs `prepare`): tensors sorted by descending
dtype alignment then name, compact JSON with __metadata__ first, header space-padded to 8 bytes.
"""
import json
import struct

import torch

DTYPES = {
    "F32": torch.float32,
    "F64": torch.float64,
    "I32": torch.int32,
    "I64": torch.int64,
    "U8": torch.uint8,
}
NAMES = {v: k for k, v in DTYPES.items()}
# Positions in the reference's Dtype enum (declaration order = alignment order).
RANK = {"U8": 1, "I32": 9, "F32": 11, "F64": 12, "I64": 13}


def loads(buf):
    """bytes -> (dict of tensors in header order, metadata or None)."""
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", None)
    data = buf[8 + n :]
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = DTYPES[info["dtype"]]
        if end == begin:  # torch.frombuffer refuses empty buffers
            out[name] = torch.empty(info["shape"], dtype=dtype)
        else:
            out[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype).reshape(info["shape"])
    return out, metadata


def read(path):
    with open(path, "rb") as f:
        return loads(f.read())


def dumps(tensors, metadata=None):
    """dict of tensors -> safetensors bytes (little-endian host)."""
    items = sorted(tensors.items(), key=lambda kv: (-RANK[NAMES[kv[1].dtype]], kv[0].encode("utf-8")))
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    chunks = []
    offset = 0
    for name, t in items:
        raw = t.detach().cpu().contiguous().numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        chunks.append(raw)
    hb = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    return struct.pack("<Q", len(hb)) + hb + b"".join(chunks)


def write(path, tensors, metadata=None):
    with open(path, "wb") as f:
        f.write(dumps(tensors, metadata))
