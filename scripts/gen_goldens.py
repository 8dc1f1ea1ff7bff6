#!/usr/bin/env python3
"""PyTorch goldens for flint's op tests: test/fixtures/*.json.

Run with Debian's python3-torch:  /usr/bin/python3 scripts/gen_goldens.py   (npm run goldens)

For every case: fixed inputs drawn from a seeded torch.Generator (stored in the fixture), the
forward output and the input gradients for a fixed upstream gradient, in float64 and float32.
Inputs and upstream gradients are float32-representable values shared by both dtypes (the
float64 run uses exactly the same numbers), unless a case says "input_precision": "float64"
(extreme values that exist only in float64). Inputs marked "layout": "transposed" are
non-contiguous (the transpose of a contiguous tensor with the last two dims swapped) in both
torch and flint.

Number encoding: finite values are JSON numbers (float32 results as the shortest string that
rounds to the same float32; float64 as Python's repr, exact); non-finite values are the
strings "Infinity", "-Infinity" and "NaN".

The output is deterministic: fixed seeds, one torch thread, sorted nothing (cases in the
order written here), no timestamps. Re-running must leave `git status` clean.
"""
import json
import math
import os
import sys

import numpy as np
import torch

from goldens_optim import optim_fixture  # optimizers, lr schedulers, clipping: test/fixtures/optim.json

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "test", "fixtures")
DTYPES = {"float64": torch.float64, "float32": torch.float32}


# ---- number encoding ----

def num(x, prec):
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if prec == "float32":
        s = str(np.float32(x))
        v = float(s)
        assert np.float32(v) == np.float32(x), (x, s)
        return v
    return x


def enc(t, prec):
    t = t.detach().contiguous().reshape(-1)
    return [num(v, prec) for v in t.double().tolist()]


def enc_tensor(t, prec):
    return {"shape": list(t.shape), "data": enc(t, prec)}


# ---- seeded data ----

class Rand:
    """Seeded draws, rounded to float32 so both dtypes see the same numbers."""

    def __init__(self, seed):
        self.g = torch.Generator().manual_seed(seed)

    def randn(self, *shape, scale=1.0):
        return (torch.randn(tuple(shape), generator=self.g, dtype=torch.float64) * scale).float().double()

    def uniform(self, lo, hi, *shape):
        return (lo + (hi - lo) * torch.rand(tuple(shape), generator=self.g, dtype=torch.float64)).float().double()

    def away(self, *shape, lo=0.05, hi=2.0):
        """Magnitudes in [lo, hi) with random signs: no values at a kink (0)."""
        m = self.uniform(lo, hi, *shape)
        s = torch.where(torch.rand(tuple(shape), generator=self.g, dtype=torch.float64) < 0.5, -1.0, 1.0)
        return (m * s).float().double()

    def randint(self, lo, hi, *shape):
        return torch.randint(lo, hi, shape, generator=self.g, dtype=torch.int64)


def make_input(values, layout, dtype):
    """values: logical float64 tensor; layout 'contiguous' or 'transposed'."""
    x = values.to(dtype)
    if layout == "transposed":
        x = x.transpose(-1, -2).contiguous().transpose(-1, -2)
        assert not x.is_contiguous() or x.numel() <= 1
    return x.detach().requires_grad_(True)


# ---- the ops, with the same names and params as test/helpers/goldens.ts ----

def apply(op, xs, ints, p):
    if op in ("add", "sub"):
        return getattr(torch, op)(xs[0], xs[1], alpha=p.get("alpha", 1))
    if op in ("mul", "div", "maximum", "minimum"):
        return getattr(torch, op)(xs[0], xs[1])
    if op == "add_scalar":
        return xs[0] + p["other"]
    if op == "sub_scalar":
        return xs[0] - p["other"]
    if op == "mul_scalar":
        return xs[0] * p["other"]
    if op == "div_scalar":
        return xs[0] / p["other"]
    if op == "rsub":
        return p["other"] - xs[0]
    if op == "pow":
        return torch.pow(xs[0], p["exponent"])
    if op in ("neg", "exp", "log", "sqrt", "abs", "relu", "tanh", "sigmoid"):
        return getattr(torch, op)(xs[0])
    if op == "matmul":
        return torch.matmul(xs[0], xs[1])
    if op == "linear":
        return torch.nn.functional.linear(xs[0], xs[1], xs[2] if len(xs) > 2 else None)
    if op in ("sum", "mean"):
        if "dim" not in p:
            return getattr(torch, op)(xs[0])
        return getattr(torch, op)(xs[0], dim=p["dim"], keepdim=p.get("keepdim", False))
    if op == "max":
        return torch.max(xs[0])
    if op == "max_dim":
        r = torch.max(xs[0], dim=p["dim"], keepdim=p.get("keepdim", False))
        return r.values, r.indices
    if op == "view":
        return xs[0].view(p["shape"])
    if op == "reshape":
        return xs[0].reshape(p["shape"])
    if op == "flatten":
        return torch.flatten(xs[0], p.get("start", 0), p.get("end", -1))
    if op == "squeeze":
        return xs[0].squeeze(p["dim"]) if "dim" in p else xs[0].squeeze()
    if op == "unsqueeze":
        return xs[0].unsqueeze(p["dim"])
    if op == "transpose":
        return xs[0].transpose(p["dim0"], p["dim1"])
    if op == "permute":
        return xs[0].permute(p["dims"])
    if op == "expand":
        return xs[0].expand(p["shape"])
    if op == "narrow":
        return xs[0].narrow(p["dim"], p["start"], p["length"])
    if op == "select":
        return xs[0].select(p["dim"], p["index"])
    if op == "contiguous":
        return xs[0].contiguous()
    if op == "clone":
        return xs[0].clone()
    if op == "cat":
        return torch.cat(xs, p["dim"])
    if op == "stack":
        return torch.stack(xs, p["dim"])
    if op == "index_select":
        return torch.index_select(xs[0], p["dim"], ints[0])
    if op == "gather":
        return torch.gather(xs[0], p["dim"], ints[0])
    if op == "cross_entropy":
        return torch.nn.functional.cross_entropy(xs[0], ints[0].long(), reduction=p["reduction"])
    if op == "mlp":
        # x -> linear -> relu -> linear -> cross-entropy (a composed graph)
        F = torch.nn.functional
        h = F.relu(F.linear(xs[0], xs[1], xs[2]))
        return F.cross_entropy(F.linear(h, xs[3], xs[4]), ints[0].long(), reduction=p["reduction"])
    raise ValueError(op)


class Case:
    def __init__(self, name, op, inputs, params=None, ints=(), dtypes=("float64", "float32"),
                 input_precision="float32", layouts=None, grad_seed=None):
        self.name, self.op, self.params = name, op, params or {}
        self.inputs = [x.double() for x in inputs]
        self.ints = list(ints)
        self.dtypes = list(dtypes)
        self.prec = input_precision
        self.layouts = layouts or ["contiguous"] * len(inputs)
        self.grad_seed = grad_seed

    def run(self, seed):
        out = {
            "name": self.name,
            "op": self.op,
            "params": self.params,
            "dtypes": self.dtypes,
            "input_precision": self.prec,
            "inputs": [dict(enc_tensor(x, self.prec), layout=l) for x, l in zip(self.inputs, self.layouts)],
            "ints": [dict(enc_tensor(i, "float64"), dtype=str(i.dtype).replace("torch.", "")) for i in self.ints],
        }
        grad_out = None
        expected = {}
        for dname in self.dtypes:
            dt = DTYPES[dname]
            xs = [make_input(x, l, dt) for x, l in zip(self.inputs, self.layouts)]
            r = apply(self.op, xs, self.ints, self.params)
            indices = None
            if isinstance(r, tuple):
                r, indices = r
            if grad_out is None:
                grad_out = Rand(seed).randn(*r.shape) if r.numel() else torch.zeros(r.shape, dtype=torch.float64)
                out["grad_out"] = enc_tensor(grad_out, "float32")
            r.backward(grad_out.to(dt))
            e = {"out": enc_tensor(r, dname),
                 "grads": [enc(x.grad, dname) if x.grad is not None else None for x in xs]}
            if indices is not None:
                e["indices"] = enc_tensor(indices, "float64")
            expected[dname] = e
        out["expected"] = expected
        return out


def write(name, cases, base_seed):
    doc = {
        "generator": "scripts/gen_goldens.py",
        "torch": torch.__version__.split("+")[0],
        "cases": [c.run(base_seed + i) for i, c in enumerate(cases)],
    }
    names = [c["name"] for c in doc["cases"]]
    assert len(names) == len(set(names)), "duplicate case names in " + name
    path = os.path.join(OUT_DIR, name + ".json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    return path


T = torch.tensor


def f64(vals):
    return torch.tensor(vals, dtype=torch.float64)


# ---- cases ----

def elementwise_cases():
    r = Rand(101)
    cs = []
    shapes = [
        ("same shape", [7, 5], [7, 5], None),
        ("b broadcast", [7, 5], [5], None),
        ("a broadcast", [5], [7, 5], None),
        ("both broadcast", [7, 1], [1, 13], None),
        ("0-d other", [65], [], None),
        ("0-d first", [], [3, 7], None),
        ("size 1", [1], [1], None),
        ("transposed", [7, 5], [7, 5], ["transposed", "transposed"]),
        ("transposed broadcast", [5, 7], [7], ["transposed", "contiguous"]),
    ]
    for op in ("add", "sub", "mul", "div"):
        for sname, sa, sb, lay in shapes:
            a = r.randn(*sa)
            b = r.away(*sb, lo=0.25, hi=2.0) if op == "div" else r.randn(*sb)
            cs.append(Case(f"{op} {sname} {sa} {sb}", op, [a, b], layouts=lay))
    for op in ("maximum", "minimum"):
        cs.append(Case(f"{op} same shape", op, [r.randn(7, 5), r.randn(7, 5)]))
        cs.append(Case(f"{op} broadcast both", op, [r.randn(7, 1), r.randn(1, 13)]))
        cs.append(Case(f"{op} transposed", op, [r.randn(7, 5), r.randn(5)], layouts=["transposed", "contiguous"]))
        cs.append(Case(f"{op} ties and NaN", op, [f64([1.0, 2.0, 3.0, math.nan, 0.0, -1.0]),
                                                  f64([1.0, 3.0, 2.0, 1.0, math.nan, -1.0])]))
    cs.append(Case("add alpha 2.5", "add", [r.randn(7, 5), r.randn(5)], {"alpha": 2.5}))
    cs.append(Case("sub alpha -1.5", "sub", [r.randn(7, 5), r.randn(7, 1)], {"alpha": -1.5}))
    cs.append(Case("mul same tensor shapes 3-D", "mul", [r.randn(2, 3, 4), r.randn(3, 1)]))
    for op, s in (("add_scalar", 2.5), ("sub_scalar", 1.25), ("mul_scalar", -3.0), ("div_scalar", 4.0), ("rsub", 2.0)):
        cs.append(Case(f"{op} {s}", op, [r.randn(7, 5)], {"other": s}))
    for e in (2.0, 3.0, 1.0, 0.0):
        cs.append(Case(f"pow {e}", "pow", [r.randn(65)], {"exponent": e}))
    for e in (0.5, -1.5, 2.7, -1.0):
        cs.append(Case(f"pow {e} positive base", "pow", [r.uniform(0.1, 3.0, 65)], {"exponent": e}))
    unary_inputs = {
        "neg": lambda *s: r.randn(*s),
        "exp": lambda *s: r.randn(*s, scale=2.0),
        "log": lambda *s: r.uniform(0.05, 5.0, *s),
        "sqrt": lambda *s: r.uniform(0.05, 5.0, *s),
        "abs": lambda *s: r.away(*s),
        "relu": lambda *s: r.away(*s),
        "tanh": lambda *s: r.randn(*s, scale=2.0),
        "sigmoid": lambda *s: r.randn(*s, scale=4.0),
    }
    for op, gen in unary_inputs.items():
        cs.append(Case(f"{op} [65]", op, [gen(65)]))
        cs.append(Case(f"{op} transposed [7, 5]", op, [gen(7, 5)], layouts=["transposed"]))
        cs.append(Case(f"{op} 0-d", op, [gen()]))
    # extremes
    cs.append(Case("exp near float32 limits", "exp",
                   [f64([-104.0, -103.9, -88.0, -20.0, 0.0, 20.0, 80.0, 88.0, 88.7, 88.8, 89.0, 100.0])],
                   dtypes=["float32"]))
    cs.append(Case("exp near float64 limits", "exp",
                   [f64([-746.0, -745.0, -708.0, 0.0, 700.0, 709.0, 709.7, 709.8, 710.0, 1000.0])],
                   dtypes=["float64"], input_precision="float64"))
    cs.append(Case("log near float32 limits", "log",
                   [f64([1e-45, 1e-40, 1.2e-38, 1e-30, 1e-10, 1.0, 1e10, 3e38, 0.0, math.inf, -1.0])],
                   dtypes=["float32"]))
    cs.append(Case("log near float64 limits", "log",
                   [f64([5e-324, 1e-310, 2.2250738585072014e-308, 1e-300, 1.0, 1e300, 1.7e308, 0.0, math.inf, -1.0])],
                   dtypes=["float64"], input_precision="float64"))
    cs.append(Case("sqrt at 0 and large", "sqrt", [f64([0.0, 1e-30, 1.0, 4.0, 1e30])]))
    sat = f64([-1e4, -100.0, -20.0, -10.0, -1e-3, 0.0, 1e-3, 10.0, 20.0, 100.0, 1e4])
    cs.append(Case("tanh saturation", "tanh", [sat]))
    cs.append(Case("sigmoid saturation", "sigmoid", [sat]))
    cs.append(Case("relu at 0", "relu", [f64([-2.0, -0.0, 0.0, 1e-30, 3.0])]))
    cs.append(Case("abs at 0", "abs", [f64([-2.0, -0.0, 0.0, 1e-30, 3.0])]))
    cs.append(Case("div by zero", "div", [f64([1.0, -1.0, 0.0, 2.0]), f64([0.0, 0.0, 0.0, 0.5])]))
    cs.append(Case("exp large values chain input", "mul", [f64([1e30, -1e30, 1e-30]), f64([1e-30, 1e8, -1e30])]))
    return cs


def linalg_cases():
    r = Rand(202)
    cs = []
    mm = [
        ("1-D x 1-D", [65], [65], None),
        ("1-D x 1-D size 1", [1], [1], None),
        ("1-D x 2-D", [7], [7, 5], None),
        ("2-D x 1-D", [5, 7], [7], None),
        ("2-D x 2-D", [7, 65], [65, 5], None),
        ("2-D x 2-D ones", [1, 1], [1, 1], None),
        ("row x column", [1, 7], [7, 1], None),
        ("column x row", [7, 1], [1, 13], None),
        ("transposed x transposed", [7, 13], [13, 5], ["transposed", "transposed"]),
        ("transposed x contiguous", [65, 7], [7, 3], ["transposed", "contiguous"]),
        ("batched x 2-D", [2, 3, 4], [4, 5], None),
        ("2-D x batched", [3, 4], [2, 4, 5], None),
        ("batched x batched", [2, 3, 4], [2, 4, 5], None),
        ("batched broadcast", [2, 1, 3, 4], [3, 4, 2], None),
        ("batched transposed", [2, 3, 4], [2, 4, 5], ["contiguous", "transposed"]),
        ("1-D x batched", [4], [2, 4, 5], None),
        ("batched x 1-D", [2, 3, 4], [4], None),
    ]
    for name, sa, sb, lay in mm:
        cs.append(Case(f"matmul {name} {sa} {sb}", "matmul", [r.randn(*sa), r.randn(*sb)], layouts=lay))
    lin = [
        ("with bias", [7, 13], [5, 13], True, None),
        ("without bias", [7, 13], [5, 13], False, None),
        ("3-D input", [2, 3, 13], [5, 13], True, None),
        ("1-D input", [13], [5, 13], True, None),
        ("transposed input and weight", [7, 13], [5, 13], True, ["transposed", "transposed", "contiguous"]),
        ("odd sizes", [65, 7], [1, 7], True, None),
        ("batch 1", [1, 65], [7, 65], False, None),
    ]
    for name, sx, sw, bias, lay in lin:
        ins = [r.randn(*sx), r.randn(*sw, scale=0.3)]
        if bias:
            ins.append(r.randn(sw[0]))
        if lay and not bias:
            lay = lay[:2]
        cs.append(Case(f"linear {name} {sx} {sw}", "linear", ins, layouts=lay))
    return cs


def reduce_cases():
    r = Rand(303)
    cs = []
    red = [
        ("all", [7, 5], {}),
        ("all [65]", [65], {}),
        ("all 0-d", [], {}),
        ("dim 0", [7, 5], {"dim": 0}),
        ("dim 1 keepdim", [7, 5], {"dim": 1, "keepdim": True}),
        ("dim -1", [3, 4, 5], {"dim": -1}),
        ("dims [0, 2]", [3, 4, 5], {"dim": [0, 2]}),
        ("dims [0, 2] keepdim", [3, 4, 5], {"dim": [0, 2], "keepdim": True}),
        ("dims [-1, 0]", [3, 4, 5], {"dim": [-1, 0]}),
        ("all dims keepdim", [3, 4, 5], {"dim": [0, 1, 2], "keepdim": True}),
    ]
    for op in ("sum", "mean"):
        for name, s, p in red:
            cs.append(Case(f"{op} {name} {s}", op, [r.randn(*s)], p))
        cs.append(Case(f"{op} transposed dim 0", op, [r.randn(5, 7)], {"dim": 0}, layouts=["transposed"]))
    cs.append(Case("max all", "max", [r.randn(7, 5)]))
    cs.append(Case("max all [65]", "max", [r.randn(65)]))
    cs.append(Case("max all transposed", "max", [r.randn(7, 5)], layouts=["transposed"]))
    cs.append(Case("max all ties", "max", [f64([[1.0, 5.0, 5.0], [2.0, 5.0, 0.0]])]))
    cs.append(Case("max all with NaN", "max", [f64([[1.0, math.nan, 5.0], [math.nan, 5.0, 0.0]])]))
    cs.append(Case("max dim 1", "max_dim", [r.randn(7, 5)], {"dim": 1}))
    cs.append(Case("max dim 0 keepdim", "max_dim", [r.randn(7, 5)], {"dim": 0, "keepdim": True}))
    cs.append(Case("max dim -1 3-D", "max_dim", [r.randn(3, 4, 5)], {"dim": -1}))
    cs.append(Case("max dim 1 3-D", "max_dim", [r.randn(3, 4, 5)], {"dim": 1}))
    cs.append(Case("max dim [65]", "max_dim", [r.randn(65)], {"dim": 0}))
    cs.append(Case("max dim transposed", "max_dim", [r.randn(7, 5)], {"dim": 0}, layouts=["transposed"]))
    cs.append(Case("max dim ties", "max_dim",
                   [f64([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [-1.0, -5.0, -1.0, -3.0]])], {"dim": 1}))
    cs.append(Case("max dim with NaN", "max_dim", [f64([[1.0, math.nan, 3.0], [math.nan, 0.0, math.nan]])],
                   {"dim": 1}))
    return cs


def view_cases():
    r = Rand(404)
    cs = [
        Case("view [7, 5] -> [5, 7]", "view", [r.randn(7, 5)], {"shape": [5, 7]}),
        Case("view -1", "view", [r.randn(3, 4, 5)], {"shape": [-1]}),
        Case("view [2, -1, 5]", "view", [r.randn(3, 4, 5)], {"shape": [2, -1, 5]}),
        Case("reshape transposed", "reshape", [r.randn(7, 5)], {"shape": [35]}, layouts=["transposed"]),
        Case("reshape [65] -> [5, 13]", "reshape", [r.randn(65)], {"shape": [5, 13]}),
        Case("flatten all", "flatten", [r.randn(2, 3, 4)], {}),
        Case("flatten 1..2", "flatten", [r.randn(2, 3, 4)], {"start": 1, "end": 2}),
        Case("flatten transposed", "flatten", [r.randn(2, 3, 4)], {"start": 1}, layouts=["transposed"]),
        Case("squeeze all", "squeeze", [r.randn(1, 7, 1, 5)], {}),
        Case("squeeze dim 2", "squeeze", [r.randn(1, 7, 1, 5)], {"dim": 2}),
        Case("squeeze dim not 1", "squeeze", [r.randn(1, 7, 1, 5)], {"dim": 1}),
        Case("unsqueeze 0", "unsqueeze", [r.randn(7, 5)], {"dim": 0}),
        Case("unsqueeze -1", "unsqueeze", [r.randn(7, 5)], {"dim": -1}),
        Case("unsqueeze 1 transposed", "unsqueeze", [r.randn(7, 5)], {"dim": 1}, layouts=["transposed"]),
        Case("transpose 0 2", "transpose", [r.randn(2, 3, 4)], {"dim0": 0, "dim1": 2}),
        Case("transpose -1 -2", "transpose", [r.randn(7, 5)], {"dim0": -1, "dim1": -2}),
        Case("permute [2, 0, 1]", "permute", [r.randn(2, 3, 4)], {"dims": [2, 0, 1]}),
        Case("permute transposed", "permute", [r.randn(2, 3, 4)], {"dims": [1, 2, 0]}, layouts=["transposed"]),
        Case("expand [7, 1] -> [3, 7, 5]", "expand", [r.randn(7, 1)], {"shape": [3, 7, 5]}),
        Case("expand [-1, 4]", "expand", [r.randn(5, 1)], {"shape": [-1, 4]}),
        Case("expand 0-d", "expand", [r.randn()], {"shape": [2, 3]}),
        Case("narrow dim 1", "narrow", [r.randn(7, 5)], {"dim": 1, "start": 2, "length": 3}),
        Case("narrow dim 0 negative start", "narrow", [r.randn(7, 5)], {"dim": 0, "start": -3, "length": 2}),
        Case("narrow transposed", "narrow", [r.randn(7, 5)], {"dim": 0, "start": 1, "length": 5},
             layouts=["transposed"]),
        Case("select dim 0", "select", [r.randn(7, 5)], {"dim": 0, "index": 3}),
        Case("select dim 1 index -1", "select", [r.randn(3, 4, 5)], {"dim": 1, "index": -1}),
        Case("contiguous transposed", "contiguous", [r.randn(7, 5)], {}, layouts=["transposed"]),
        Case("clone", "clone", [r.randn(65)], {}),
        Case("clone transposed", "clone", [r.randn(5, 7)], {}, layouts=["transposed"]),
    ]
    return cs


def indexing_cases():
    r = Rand(505)
    cs = [
        Case("cat dim 0", "cat", [r.randn(2, 5), r.randn(3, 5), r.randn(1, 5)], {"dim": 0}),
        Case("cat dim 1", "cat", [r.randn(4, 2), r.randn(4, 7)], {"dim": 1}),
        Case("cat dim -1 transposed", "cat", [r.randn(4, 3), r.randn(4, 5)], {"dim": -1},
             layouts=["transposed", "contiguous"]),
        Case("cat 1-D", "cat", [r.randn(65), r.randn(1), r.randn(7)], {"dim": 0}),
        Case("stack dim 0", "stack", [r.randn(4, 5), r.randn(4, 5), r.randn(4, 5)], {"dim": 0}),
        Case("stack dim 1", "stack", [r.randn(4, 5), r.randn(4, 5)], {"dim": 1}),
        Case("stack dim -1 transposed", "stack", [r.randn(4, 5), r.randn(4, 5)], {"dim": -1},
             layouts=["contiguous", "transposed"]),
        Case("index_select dim 0 repeats", "index_select", [r.randn(7, 5)], {"dim": 0}, ints=[T([2, 0, 2, 6])]),
        Case("index_select dim 1", "index_select", [r.randn(7, 5)], {"dim": 1}, ints=[T([4, 4, 1])]),
        Case("index_select int32 index", "index_select", [r.randn(3, 4, 5)], {"dim": 2},
             ints=[T([0, 3, 3, 1], dtype=torch.int32)]),
        Case("index_select transposed", "index_select", [r.randn(7, 5)], {"dim": 0}, ints=[T([6, 1])],
             layouts=["transposed"]),
        Case("gather dim 1 repeats", "gather", [r.randn(7, 5)], {"dim": 1}, ints=[r.randint(0, 5, 7, 3)]),
        Case("gather dim 0", "gather", [r.randn(7, 5)], {"dim": 0}, ints=[r.randint(0, 7, 2, 5)]),
        Case("gather smaller index", "gather", [r.randn(3, 4, 5)], {"dim": 2}, ints=[r.randint(0, 5, 2, 3, 7)]),
    ]
    return cs


def loss_cases():
    r = Rand(606)
    cs = []
    for red in ("mean", "sum", "none"):
        cs.append(Case(f"cross_entropy {red} [7, 5]", "cross_entropy", [r.randn(7, 5, scale=2.0)],
                       {"reduction": red}, ints=[r.randint(0, 5, 7)]))
    cs.append(Case("cross_entropy [1, 65]", "cross_entropy", [r.randn(1, 65)], {"reduction": "mean"},
                   ints=[T([64])]))
    cs.append(Case("cross_entropy [65, 7] sum", "cross_entropy", [r.randn(65, 7)], {"reduction": "sum"},
                   ints=[r.randint(0, 7, 65)]))
    cs.append(Case("cross_entropy one class", "cross_entropy", [r.randn(3, 1)], {"reduction": "mean"},
                   ints=[T([0, 0, 0])]))
    cs.append(Case("cross_entropy transposed logits", "cross_entropy", [r.randn(7, 5)], {"reduction": "mean"},
                   ints=[r.randint(0, 5, 7)], layouts=["transposed"]))
    cs.append(Case("cross_entropy int32 target", "cross_entropy", [r.randn(4, 3)], {"reduction": "none"},
                   ints=[T([2, 0, 1, 2], dtype=torch.int32)]))
    ext = f64([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0], [1e4, 1e4, -1e4], [-1e4, -1e4, -1e4], [1e4, 1e4 - 1, 1e4 - 2]])
    for red in ("mean", "none"):
        cs.append(Case(f"cross_entropy logits +-1e4 {red}", "cross_entropy", [ext], {"reduction": red},
                       ints=[T([1, 0, 2, 1, 2])]))
    spread = f64([[100.0, -100.0, 50.0, 0.0], [-300.0, 300.0, 299.0, 0.5], [1e3, 1e3, 1e3, 1e3], [-20.0, 40.0, -60.0, 80.0]])
    cs.append(Case("cross_entropy large spreads", "cross_entropy", [spread], {"reduction": "sum"},
                   ints=[T([0, 3, 1, 2])]))
    for red in ("mean", "sum"):
        cs.append(Case(f"mlp 13-9-5 cross_entropy {red}", "mlp",
                       [r.randn(7, 13), r.randn(9, 13, scale=0.3), r.randn(9, scale=0.1), r.randn(5, 9, scale=0.3),
                        r.randn(5, scale=0.1)], {"reduction": red}, ints=[r.randint(0, 5, 7)]))
    return cs


def sgd_fixture():
    configs = [
        {"lr": 0.1},
        {"lr": 0.1, "momentum": 0.9},
        {"lr": 0.05, "momentum": 0.9, "dampening": 0.5},
        {"lr": 0.1, "momentum": 0.9, "nesterov": True},
        {"lr": 0.1, "weight_decay": 0.01},
        {"lr": 0.1, "maximize": True},
        {"lr": 0.03, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05, "maximize": True},
        {"lr": 0.2, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.1, "maximize": True},
    ]
    shapes = [[7, 5], [5], [1]]
    steps = 5
    out = []
    for ci, cfg in enumerate(configs):
        r = Rand(700 + ci)
        params0 = [r.randn(*s) for s in shapes]
        grads = [[r.randn(*s) for s in shapes] for _ in range(steps)]
        case = {
            "name": "sgd " + ", ".join(f"{k}={v}" for k, v in cfg.items()),
            "options": {
                "lr": cfg["lr"], "momentum": cfg.get("momentum", 0.0), "dampening": cfg.get("dampening", 0.0),
                "weightDecay": cfg.get("weight_decay", 0.0), "nesterov": cfg.get("nesterov", False),
                "maximize": cfg.get("maximize", False),
            },
            "params": [enc_tensor(p, "float32") for p in params0],
            "grads": [[enc(g, "float32") for g in gs] for gs in grads],
            "expected": {},
        }
        for dname, dt in DTYPES.items():
            ps = [p.to(dt).clone().requires_grad_(True) for p in params0]
            opt = torch.optim.SGD(ps, **cfg)
            hist = []
            for s in range(steps):
                for p, g in zip(ps, grads[s]):
                    p.grad = g.to(dt).clone()
                opt.step()
                hist.append([enc(p, dname) for p in ps])
            case["expected"][dname] = hist
        out.append(case)
    doc = {"generator": "scripts/gen_goldens.py", "torch": torch.__version__.split("+")[0], "cases": out}
    path = os.path.join(OUT_DIR, "sgd.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    return path


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    paths = [
        write("elementwise", elementwise_cases(), 1000),
        write("linalg", linalg_cases(), 2000),
        write("reduce", reduce_cases(), 3000),
        write("view", view_cases(), 4000),
        write("indexing", indexing_cases(), 5000),
        write("loss", loss_cases(), 6000),
        sgd_fixture(),
        optim_fixture(OUT_DIR),
        __import__("goldens_conv").main(),  # scripts/goldens_conv.py: conv2d and pooling
        __import__("goldens_rnn").rnn_fixture(),  # scripts/goldens_rnn.py: RNN, LSTM, GRU and cells
        __import__("goldens_nn").main(),  # scripts/goldens_nn.py: activations, losses, norms, embedding
    ]
    total = 0
    for p in paths:
        n = os.path.getsize(p)
        total += n
        print(f"{os.path.relpath(p, ROOT)}: {n / 1024:.1f} KiB")
    print(f"total: {total / 1024:.1f} KiB")
    if total > 4 * 1024 * 1024:
        sys.exit("fixtures exceed 4 MB: shrink the cases")


if __name__ == "__main__":
    main()
