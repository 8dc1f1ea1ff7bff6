#!/usr/bin/env python3
"""PyTorch goldens for flint's optimizers, lr schedulers and gradient clipping: test/fixtures/optim.json.

Run with Debian's python3-torch:  /usr/bin/python3 scripts/goldens_optim.py
(gen_goldens.py's main calls optim_fixture too, so `npm run goldens` regenerates it.)

Sections:
  optimizers  every torch.optim optimizer flint has, over a grid of options: three parameters
              in two param groups (the second with its own lr and sometimes more), 6 steps of
              fixed gradients, some of them None (a parameter skipped on a step, one skipped on
              the first step), in float64 and float32 (the single-tensor code path,
              foreach=False). Expected: every parameter after every step, and the final state
              (step counts and state tensors by torch's names).
  invalid     constructor options torch refuses (ValueError), with torch's message (null where
              torch 1.13 accepts the value: SGD's NaN lr, which flint refuses too).
  schedulers  lr sequences (get_last_lr after construction and after each of 25+ steps) for
              StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, two chained schedulers, and
              ReduceLROnPlateau over fixed metric sequences; the keys of torch's state_dict.
  clip        clip_grad_norm_ (p = 1, 2, 3.5, inf; no-op; non-finite gradients; the
              error_if_nonfinite error) and clip_grad_value_: total norm and clipped gradients.

Numbers: as gen_goldens.py (float32 results as the shortest string that rounds to the same
float32; float64 exact; "NaN", "Infinity", "-Infinity" for non-finite values). Inputs are
float32-representable, shared by both dtypes. Deterministic: fixed seeds, no timestamps.
"""
import json
import math
import os

import numpy as np
import torch

torch.set_num_threads(1)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DTYPES = {"float64": torch.float64, "float32": torch.float32}
STEPS = 6
SHAPES = [[4, 3], [5], [1]]
GROUPS = [[0, 1], [2]]
# (step, param) pairs whose gradient is None: param 2 on the first step, param 1 on step 3
NO_GRAD = {(0, 2), (3, 1)}


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
    return [num(v, prec) for v in t.detach().contiguous().reshape(-1).double().tolist()]


def randn(g, shape, scale=1.0):
    return (torch.randn(tuple(shape), generator=g, dtype=torch.float64) * scale).float().double()


def ts_name(k):
    parts = k.split("_")
    return parts[0].lower() + "".join(p.capitalize() for p in parts[1:])


def ts_options(opts):
    return {ts_name(k): (list(v) if isinstance(v, tuple) else v) for k, v in opts.items()}


# ---- optimizers ----

OPTIMIZERS = {
    "SGD": [
        ({"lr": 0.1, "momentum": 0.9}, {"lr": 0.05}),
        ({"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1, "maximize": True}, {"lr": 0.3, "momentum": 0.5}),
    ],
    "Adam": [
        ({}, {"lr": 0.01}),
        ({"lr": 0.1}, {"lr": 0.05}),
        ({"lr": 0.1, "amsgrad": True}, {"lr": 0.02}),
        ({"lr": 0.1, "weight_decay": 0.1}, {"lr": 0.05, "weight_decay": 0.0}),
        ({"lr": 0.1, "maximize": True}, {"lr": 0.05}),
        ({"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "amsgrad": True, "weight_decay": 0.05, "maximize": True},
         {"lr": 0.2, "betas": (0.5, 0.9)}),
    ],
    "AdamW": [
        ({}, {"lr": 0.01}),
        ({"lr": 0.1}, {"lr": 0.05, "weight_decay": 0.5}),
        ({"lr": 0.1, "weight_decay": 0.1, "amsgrad": True}, {"lr": 0.02}),
        ({"lr": 0.05, "betas": (0.7, 0.95), "maximize": True, "weight_decay": 0.0}, {"lr": 0.1, "amsgrad": True}),
    ],
    "RMSprop": [
        ({}, {"lr": 0.005}),
        ({"lr": 0.01, "momentum": 0.9}, {"lr": 0.02}),
        ({"lr": 0.01, "centered": True}, {"lr": 0.02, "centered": False}),
        ({"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1}, {"lr": 0.03}),
        ({"lr": 0.02, "alpha": 0.9, "eps": 1e-6, "maximize": True}, {"lr": 0.01, "momentum": 0.3}),
        ({"lr": 0.01, "weight_decay": 0.05}, {"lr": 0.05, "alpha": 0.5}),
    ],
    "Adagrad": [
        ({}, {"lr": 0.05}),
        ({"lr": 0.1, "lr_decay": 0.1}, {"lr": 0.05}),
        ({"lr": 0.1, "initial_accumulator_value": 0.5}, {"lr": 0.2, "initial_accumulator_value": 0.1}),
        ({"lr": 0.1, "weight_decay": 0.1, "maximize": True}, {"lr": 0.05}),
        ({"lr": 0.1, "eps": 1e-6, "lr_decay": 0.05, "initial_accumulator_value": 0.1, "weight_decay": 0.01},
         {"lr": 0.3, "lr_decay": 0.0}),
    ],
    "Adadelta": [
        ({}, {"lr": 0.5}),
        ({"rho": 0.5}, {"lr": 2.0}),
        ({"lr": 0.5, "weight_decay": 0.1}, {"lr": 1.0, "rho": 0.95}),
        ({"maximize": True, "eps": 1e-4}, {"lr": 0.1}),
    ],
}


def make_optimizer(name, groups, opts):
    cls = getattr(torch.optim, name)
    return cls(groups, foreach=False, **opts)


def optimizer_case(name, ci, opts, group_opts):
    g = torch.Generator().manual_seed(9000 + 100 * list(OPTIMIZERS).index(name) + ci)
    params0 = [randn(g, s) for s in SHAPES]
    grads = [[None if (s, i) in NO_GRAD else randn(g, sh) for i, sh in enumerate(SHAPES)] for s in range(STEPS)]
    label = ", ".join(f"{k}={v}" for k, v in opts.items()) or "defaults"
    glabel = ", ".join(f"{k}={v}" for k, v in group_opts.items())
    case = {
        "name": f"{name} {label} | group 1: {glabel}",
        "optimizer": name,
        "options": ts_options(opts),
        "groups": [{"params": GROUPS[0], "options": {}}, {"params": GROUPS[1], "options": ts_options(group_opts)}],
        "params": [{"shape": list(p.shape), "data": enc(p, "float32")} for p in params0],
        "grads": [[None if gr is None else enc(gr, "float32") for gr in gs] for gs in grads],
        "expected": {},
        "state": {},
    }
    for dname, dt in DTYPES.items():
        ps = [p.to(dt).clone().requires_grad_(True) for p in params0]
        groups = [{"params": [ps[i] for i in GROUPS[0]]}, dict({"params": [ps[i] for i in GROUPS[1]]}, **group_opts)]
        opt = make_optimizer(name, groups, opts)
        hist = []
        for s in range(STEPS):
            for p, gr in zip(ps, grads[s]):
                p.grad = None if gr is None else gr.to(dt).clone()
            opt.step()
            hist.append([enc(p, dname) for p in ps])
        case["expected"][dname] = hist
        sd = opt.state_dict()
        state = {}
        for idx, entry in sd["state"].items():
            out = {}
            for k, v in entry.items():
                if torch.is_tensor(v) and v.numel() == 1 and k == "step":
                    out[k] = int(v.item())
                elif torch.is_tensor(v):
                    out[k] = enc(v, dname)
                elif v is None:
                    continue  # SGD without momentum keeps momentum_buffer = None; flint keeps no entry
                else:
                    out[k] = v
            state[str(idx)] = out
        case["state"][dname] = state
    return case


INVALID = {
    "SGD": [{"lr": -1.0}, {"lr": 0.1, "momentum": -0.5}, {"lr": 0.1, "weight_decay": -1.0},
            {"lr": 0.1, "nesterov": True}, {"lr": float("nan")}],
    "Adam": [{"lr": -1.0}, {"eps": -1e-8}, {"betas": (1.0, 0.999)}, {"betas": (0.9, -0.1)}, {"weight_decay": -0.1},
             {"lr": float("nan")}],
    "AdamW": [{"lr": -0.5}, {"betas": (0.9, 1.0)}, {"weight_decay": -1.0}, {"eps": -1.0}],
    "RMSprop": [{"lr": -1.0}, {"eps": -1e-8}, {"momentum": -0.1}, {"weight_decay": -1.0}, {"alpha": -0.5}],
    "Adagrad": [{"lr": -1.0}, {"lr_decay": -1.0}, {"weight_decay": -1.0}, {"initial_accumulator_value": -1.0},
                {"eps": -1.0}],
    "Adadelta": [{"lr": -1.0}, {"rho": 1.5}, {"rho": -0.1}, {"eps": -1.0}, {"weight_decay": -1.0}],
}


def invalid_cases():
    out = []
    for name, lst in INVALID.items():
        for opts in lst:
            p = torch.zeros(2, requires_grad=True)
            try:
                getattr(torch.optim, name)([p], **opts)
                msg = None  # torch 1.13 accepts it (SGD's NaN lr); flint refuses every NaN
            except ValueError as e:
                msg = str(e)
            ts = {k: (num(v, "float64") if isinstance(v, float) else list(v) if isinstance(v, tuple) else v)
                  for k, v in ts_options(opts).items()}
            out.append({"optimizer": name, "options": ts, "torch_message": msg})
    return out


# ---- schedulers ----

PLATEAU_METRICS = [
    [1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.79995, 0.7, 0.7, 0.7, 0.71, 0.72, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6,
     0.59, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6],
    [0.1, 0.2, 0.25, 0.3, 0.35, 0.3, 0.3, 0.3, 0.5, 0.55, 0.58, 0.6, 0.6, 0.6, 0.6, 0.61, 0.6, 0.6, 0.6, 0.6,
     0.6, 0.6, 0.6, 0.6, 0.6, 0.6],
    [3.0, 2.0, 1.95, 1.9, 1.9, 1.9, 1.9, 1.9, 1.9, 1.9, 1.9, 1.9, 1.9, 1.9, 1.9, 1.9, 1.9, 1.9, 1.9, 1.9,
     1.9, 1.9, 1.9, 1.9, 1.9],
    [1.0, float("nan"), 0.5, 0.5, 0.5, float("nan"), 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4,
     0.4, 0.4, 0.4, 0.4],
]

SCHEDULERS = [
    ("StepLR stepSize=3 gamma=0.5", [("StepLR", {"step_size": 3, "gamma": 0.5})], 25, None),
    ("StepLR stepSize=1 default gamma", [("StepLR", {"step_size": 1})], 22, None),
    ("MultiStepLR milestones=[2,5,5,9,30] gamma=0.3", [("MultiStepLR", {"milestones": [2, 5, 5, 9, 30], "gamma": 0.3})], 25, None),
    ("MultiStepLR unsorted milestones", [("MultiStepLR", {"milestones": [12, 4]})], 20, None),
    ("ExponentialLR gamma=0.9", [("ExponentialLR", {"gamma": 0.9})], 25, None),
    ("CosineAnnealingLR tMax=7 etaMin=0.001", [("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.001})], 32, None),
    ("CosineAnnealingLR tMax=10", [("CosineAnnealingLR", {"T_max": 10})], 25, None),
    ("StepLR + ExponentialLR chained", [("StepLR", {"step_size": 3, "gamma": 0.5}), ("ExponentialLR", {"gamma": 0.9})], 20, None),
    ("ReduceLROnPlateau min rel patience=2 factor=0.5",
     [("ReduceLROnPlateau", {"patience": 2, "factor": 0.5})], None, 0),
    ("ReduceLROnPlateau max abs threshold=0.1 cooldown=2 patience=1 minLr per group",
     [("ReduceLROnPlateau", {"mode": "max", "threshold_mode": "abs", "threshold": 0.1, "cooldown": 2, "patience": 1, "factor": 0.5,
                             "min_lr": [0.01, 0.02]})], None, 1),
    ("ReduceLROnPlateau min abs patience=0 factor=0.1 minLr=0.002 eps=5e-3",
     [("ReduceLROnPlateau", {"mode": "min", "threshold_mode": "abs", "patience": 0, "factor": 0.1, "min_lr": 0.002,
                             "eps": 5e-3})], None, 2),
    ("ReduceLROnPlateau max rel with NaN metrics",
     [("ReduceLROnPlateau", {"mode": "max", "patience": 1, "factor": 0.7})], None, 3),
]


def scheduler_cases():
    out = []
    for name, specs, steps, metrics in SCHEDULERS:
        p = torch.zeros(1, requires_grad=True)
        q = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.05}], lr=0.1)
        scheds = [getattr(torch.optim.lr_scheduler, cls)(opt, **kw) for cls, kw in specs]
        lrs = [[g["lr"] for g in opt.param_groups]]
        seq = PLATEAU_METRICS[metrics] if metrics is not None else None
        n = len(seq) if seq is not None else steps
        for s in range(n):
            opt.step()
            for sc in scheds:
                if seq is not None:
                    sc.step(seq[s])
                else:
                    sc.step()
            lrs.append([g["lr"] for g in opt.param_groups])
        final = None
        sd_keys = sorted(k for k in scheds[0].state_dict() if k not in ("verbose", "_get_lr_called_within_step"))
        if seq is not None:
            sc = scheds[0]
            final = {"best": num(sc.best, "float64"), "num_bad_epochs": sc.num_bad_epochs,
                     "cooldown_counter": sc.cooldown_counter, "last_epoch": sc.last_epoch}
        out.append({
            "name": name,
            "schedulers": [{"scheduler": cls, "options": ts_options(kw)} for cls, kw in specs],
            "group_lrs": [0.1, 0.05],
            "metrics": [num(m, "float64") for m in seq] if seq is not None else None,
            "steps": n,
            "lrs": [[num(v, "float64") for v in row] for row in lrs],
            "final": final,
            "state_dict_keys": sd_keys,
        })
    return out


# ---- clipping ----

CLIP_SHAPES = [[4, 3], [5], [1], [2, 2]]


def clip_cases():
    g = torch.Generator().manual_seed(9900)
    base = [randn(g, s, scale=2.0) for s in CLIP_SHAPES]
    with_inf = [b.clone() for b in base]
    with_inf[1][2] = math.inf
    with_nan = [b.clone() for b in base]
    with_nan[0][1, 1] = math.nan
    specs = [
        ("norm p=2 maxNorm=1", "norm", base, {"max_norm": 1.0}),
        ("norm p=1 maxNorm=2", "norm", base, {"max_norm": 2.0, "norm_type": 1.0}),
        ("norm p=3.5 maxNorm=0.5", "norm", base, {"max_norm": 0.5, "norm_type": 3.5}),
        ("norm p=inf maxNorm=0.3", "norm", base, {"max_norm": 0.3, "norm_type": "inf"}),
        ("norm p=2 maxNorm=100 (no clipping)", "norm", base, {"max_norm": 100.0}),
        ("norm p=2 one parameter", "norm", base[:1], {"max_norm": 0.7}),
        ("norm p=2 with an infinite gradient", "norm", with_inf, {"max_norm": 1.0}),
        ("norm p=inf with an infinite gradient", "norm", with_inf, {"max_norm": 1.0, "norm_type": "inf"}),
        ("norm p=2 with a NaN gradient", "norm", with_nan, {"max_norm": 1.0}),
        ("norm error_if_nonfinite", "norm", with_inf, {"max_norm": 1.0, "error_if_nonfinite": True}),
        ("value clipValue=0.5", "value", base, {"clip_value": 0.5}),
        ("value clipValue=0", "value", base, {"clip_value": 0.0}),
        ("value with NaN and inf", "value", [with_nan[0], with_inf[1]], {"clip_value": 1.5}),
    ]
    out = []
    for name, fn, grads, kw in specs:
        # the third parameter has no gradient (when there is one)
        present = [i != 2 for i in range(len(grads))]
        case = {
            "name": name,
            "fn": fn,
            "options": ts_options({k: v for k, v in kw.items()}),
            "grads": [{"shape": list(gr.shape), "data": enc(gr, "float32")} if ok else {"shape": list(gr.shape), "data": None}
                      for gr, ok in zip(grads, present)],
            "expected": {},
        }
        for dname, dt in DTYPES.items():
            ps = []
            for gr, ok in zip(grads, present):
                p = torch.zeros(gr.shape, dtype=dt, requires_grad=True)
                p.grad = gr.to(dt).clone() if ok else None
                ps.append(p)
            try:
                if fn == "norm":
                    total = torch.nn.utils.clip_grad_norm_(ps, **kw)
                    res = {"total": num(total.item(), dname), "total_dtype": str(total.dtype).replace("torch.", "")}
                else:
                    torch.nn.utils.clip_grad_value_(ps, **kw)
                    res = {}
                res["grads"] = [enc(p.grad, dname) if p.grad is not None else None for p in ps]
            except RuntimeError as e:
                res = {"error": str(e)}
            case["expected"][dname] = res
        out.append(case)
    return out


def optim_fixture(out_dir=os.path.join(ROOT, "test", "fixtures")):
    cases = []
    for name, configs in OPTIMIZERS.items():
        for ci, (opts, group_opts) in enumerate(configs):
            cases.append(optimizer_case(name, ci, opts, group_opts))
    doc = {
        "generator": "scripts/goldens_optim.py",
        "torch": torch.__version__.split("+")[0],
        "optimizers": cases,
        "invalid": invalid_cases(),
        "schedulers": scheduler_cases(),
        "clip": clip_cases(),
    }
    names = [c["name"] for c in cases] + [c["name"] for c in doc["schedulers"]] + [c["name"] for c in doc["clip"]]
    assert len(names) == len(set(names)), "duplicate case names"
    path = os.path.join(out_dir, "optim.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    return path


if __name__ == "__main__":
    p = optim_fixture()
    print(f"{os.path.relpath(p, ROOT)}: {os.path.getsize(p) / 1024:.1f} KiB")
