#!/usr/bin/env python3
"""PyTorch goldens for activations, softmax, losses, normalization and embedding: test/fixtures/nn.json.

Run alone with  /usr/bin/python3 scripts/goldens_nn.py,  or through gen_goldens.py (npm run goldens),
whose main calls main() here. Cases, number encoding and determinism are gen_goldens.py's: this
module adds its ops to gen_goldens.apply() while it writes, with the names and params of the OPS
entries that test/nn/goldens_nn.test.ts adds to test/helpers/goldens.ts. Constant tensors that
take no gradient in torch (class weights, pos_weight, running statistics) travel as float32-
representable lists in params.

Besides "cases", nn.json holds "batchnorm_modules": nn.BatchNorm1d/2d trained for three steps
(running statistics and num_batches_tracked after each, momentum 0.1 and None), then evaluated.
"""
import json
import math
import os
import warnings

import torch

import gen_goldens as G

F = torch.nn.functional
f64 = G.f64
inf, nan = math.inf, math.nan


def _const(p, key, like):
    v = p.get(key)
    return None if v is None else torch.tensor(v, dtype=like.dtype)


def apply_nn(op, xs, ints, p, base):
    x = xs[0] if xs else None
    if op == "leaky_relu":
        return F.leaky_relu(x, p.get("negative_slope", 0.01))
    if op == "elu":
        return F.elu(x, p.get("alpha", 1.0))
    if op == "gelu":
        return F.gelu(x, approximate=p.get("approximate", "none"))
    if op == "silu":
        return F.silu(x)
    if op == "softmax":
        return F.softmax(x, p["dim"])
    if op == "log_softmax":
        return F.log_softmax(x, p["dim"])
    if op == "mse_loss":
        return F.mse_loss(xs[0], xs[1], reduction=p["reduction"])
    if op == "l1_loss":
        return F.l1_loss(xs[0], xs[1], reduction=p["reduction"])
    if op == "smooth_l1_loss":
        return F.smooth_l1_loss(xs[0], xs[1], reduction=p["reduction"], beta=p.get("beta", 1.0))
    if op == "cross_entropy_ex":
        target = xs[1] if len(xs) > 1 else ints[0].long()
        return F.cross_entropy(x, target, weight=_const(p, "weight", x), ignore_index=p.get("ignore_index", -100),
                               reduction=p["reduction"], label_smoothing=p.get("label_smoothing", 0.0))
    if op == "nll_loss":
        return F.nll_loss(x, ints[0].long(), weight=_const(p, "weight", x), ignore_index=p.get("ignore_index", -100),
                          reduction=p["reduction"])
    if op == "binary_cross_entropy":
        return F.binary_cross_entropy(xs[0], xs[1], weight=_const(p, "weight", x), reduction=p["reduction"])
    if op == "bce_with_logits":
        return F.binary_cross_entropy_with_logits(xs[0], xs[1], weight=_const(p, "weight", x),
                                                  pos_weight=_const(p, "pos_weight", x), reduction=p["reduction"])
    if op == "batch_norm":
        w = xs[1] if len(xs) > 1 else None
        b = xs[2] if len(xs) > 2 else None
        return F.batch_norm(x, _const(p, "running_mean", x), _const(p, "running_var", x), w, b,
                            training=p["training"], momentum=0.1, eps=p.get("eps", 1e-5))
    if op == "layer_norm":
        w = xs[1] if len(xs) > 1 else None
        b = xs[2] if len(xs) > 2 else None
        return F.layer_norm(x, p["normalized_shape"], w, b, eps=p.get("eps", 1e-5))
    if op == "embedding":
        return F.embedding(ints[0], x, padding_idx=p.get("padding_idx"))
    if op == "mlp_nn":
        # linear -> layer_norm -> gelu -> linear -> log_softmax -> nll: a composed graph
        x, w1, b1, lw, lb, w2, b2 = xs
        h = F.gelu(F.layer_norm(F.linear(x, w1, b1), [w1.shape[0]], lw, lb))
        return F.nll_loss(F.log_softmax(F.linear(h, w2, b2), 1), ints[0].long(), reduction=p["reduction"])
    return base(op, xs, ints, p)


def activation_cases(r):
    C = G.Case
    cs = []
    ext = f64([-inf, -1e8, -30.0, -1.0, -0.0, 0.0, 0.5, 30.0, 1e8, inf, nan])
    for name, op, params, gen in [
        ("leaky_relu", "leaky_relu", {}, lambda *s: r.away(*s)),
        ("leaky_relu slope 0.2", "leaky_relu", {"negative_slope": 0.2}, lambda *s: r.away(*s)),
        ("elu", "elu", {}, lambda *s: r.away(*s, lo=0.05, hi=3.0)),
        ("elu alpha 0.5", "elu", {"alpha": 0.5}, lambda *s: r.away(*s, lo=0.05, hi=3.0)),
        ("gelu", "gelu", {}, lambda *s: r.randn(*s, scale=2.0)),
        ("gelu tanh", "gelu", {"approximate": "tanh"}, lambda *s: r.randn(*s, scale=2.0)),
        ("silu", "silu", {}, lambda *s: r.randn(*s, scale=3.0)),
    ]:
        cs.append(C(f"{name} [33]", op, [gen(33)], params))
        cs.append(C(f"{name} transposed [7, 5]", op, [gen(7, 5)], params, layouts=["transposed"]))
        cs.append(C(f"{name} 0-d", op, [gen()], params))
        cs.append(C(f"{name} extremes", op, [ext], params))
    # near 0 and in the tails, where the formulas' branches meet
    tails = f64([-12.0, -8.0, -5.0, -3.0, -1e-3, 1e-3, 3.0, 5.0, 8.0, 12.0])
    for name, op, params in [("gelu", "gelu", {}), ("gelu tanh", "gelu", {"approximate": "tanh"}), ("silu", "silu", {}),
                             ("elu", "elu", {})]:
        cs.append(C(f"{name} tails", op, [tails], params))
    for op in ("softmax", "log_softmax"):
        cs.append(C(f"{op} [7, 5] dim 1", op, [r.randn(7, 5, scale=2.0)], {"dim": 1}))
        cs.append(C(f"{op} [7, 5] dim 0", op, [r.randn(7, 5, scale=2.0)], {"dim": 0}))
        cs.append(C(f"{op} [2, 3, 4] dim 1", op, [r.randn(2, 3, 4, scale=2.0)], {"dim": 1}))
        cs.append(C(f"{op} [2, 3, 4] dim -1", op, [r.randn(2, 3, 4, scale=2.0)], {"dim": -1}))
        cs.append(C(f"{op} [2, 3, 4] dim 0 transposed", op, [r.randn(2, 3, 4)], {"dim": 0}, layouts=["transposed"]))
        cs.append(C(f"{op} [5, 7] dim 1 transposed", op, [r.randn(5, 7)], {"dim": 1}, layouts=["transposed"]))
        cs.append(C(f"{op} [33] dim 0", op, [r.randn(33, scale=3.0)], {"dim": 0}))
        cs.append(C(f"{op} [3, 1] dim 1", op, [r.randn(3, 1)], {"dim": 1}))
        cs.append(C(f"{op} 0-d", op, [r.randn()], {"dim": 0}))
        cs.append(C(f"{op} extremes", op, [f64([[1e8, 0.0, -1e8], [-1e8, -1e8, -1e8], [inf, 1.0, 2.0], [-inf, 0.0, 1.0],
                                                 [-inf, -inf, -inf], [nan, 0.0, 1.0], [1e4, 1e4 - 1, 1e4 - 2],
                                                 [-100.0, 100.0, 99.0]])], {"dim": 1}))
        cs.append(C(f"{op} ties", op, [f64([[1.0, 1.0, 1.0, 1.0], [2.0, 2.0, 0.0, 0.0]])], {"dim": 1}))
    return cs


def loss_cases(r):
    C = G.Case
    cs = []
    reds = ("mean", "sum", "none")
    for red in reds:
        cs.append(C(f"mse_loss {red} [5, 5]", "mse_loss", [r.randn(5, 5), r.randn(5, 5)], {"reduction": red}))
        cs.append(C(f"l1_loss {red} [5, 5]", "l1_loss", [r.randn(5, 5), r.randn(5, 5)], {"reduction": red}))
        for beta in (1.0, 0.5):
            cs.append(C(f"smooth_l1_loss beta {beta} {red} [5, 5]", "smooth_l1_loss",
                        [r.randn(5, 5, scale=1.5), r.randn(5, 5)], {"reduction": red, "beta": beta}))
    cs.append(C("mse_loss transposed", "mse_loss", [r.randn(3, 7), r.randn(3, 7)], {"reduction": "mean"},
                layouts=["transposed", "contiguous"]))
    cs.append(C("mse_loss broadcast target [5]", "mse_loss", [r.randn(5, 5), r.randn(5)], {"reduction": "mean"}))
    cs.append(C("mse_loss extremes", "mse_loss", [f64([1e8, -1e8, inf, 0.0, 3.0]), f64([-1e8, 1e8, 0.0, inf, 3.0])],
                {"reduction": "none"}))
    cs.append(C("l1_loss transposed", "l1_loss", [r.randn(3, 7), r.randn(3, 7)], {"reduction": "sum"},
                layouts=["transposed", "transposed"]))
    cs.append(C("smooth_l1_loss beta 0 (l1)", "smooth_l1_loss", [r.randn(5, 5), r.randn(5, 5)],
                {"reduction": "mean", "beta": 0.0}))
    cs.append(C("smooth_l1_loss extremes", "smooth_l1_loss",
                [f64([1e8, -1e8, inf, -inf, 0.25, -0.25, 2.0, 0.0, nan]), f64([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])],
                {"reduction": "none", "beta": 1.0}))
    cs.append(C("smooth_l1_loss broadcast", "smooth_l1_loss", [r.randn(5, 5), r.randn(1, 5)], {"reduction": "sum"}))

    # cross-entropy with class indices: weights, ignore_index, label smoothing, spatial dims
    w5 = [0.5, 2.0, 1.0, 0.25, 1.5]
    for red in reds:
        t = r.randint(0, 5, 5)
        t[1] = -100
        t[4] = -100
        cs.append(C(f"cross_entropy weight {red}", "cross_entropy_ex", [r.randn(5, 5, scale=2.0)],
                    {"reduction": red, "weight": w5}, ints=[r.randint(0, 5, 5)]))
        cs.append(C(f"cross_entropy ignore_index -100 {red}", "cross_entropy_ex", [r.randn(5, 5, scale=2.0)],
                    {"reduction": red}, ints=[t]))
        cs.append(C(f"cross_entropy weight ignore_index 2 {red}", "cross_entropy_ex", [r.randn(5, 5, scale=2.0)],
                    {"reduction": red, "weight": w5, "ignore_index": 2}, ints=[G.T([2, 0, 2, 4, 1])]))
        cs.append(C(f"cross_entropy label_smoothing 0.1 {red}", "cross_entropy_ex", [r.randn(5, 5, scale=2.0)],
                    {"reduction": red, "label_smoothing": 0.1}, ints=[r.randint(0, 5, 5)]))
        cs.append(C(f"cross_entropy label_smoothing weight ignore {red}", "cross_entropy_ex",
                    [r.randn(5, 5, scale=2.0)], {"reduction": red, "weight": w5, "label_smoothing": 0.25},
                    ints=[t.clone()]))
        cs.append(C(f"cross_entropy spatial [2, 5, 3, 2] {red}", "cross_entropy_ex", [r.randn(2, 5, 3, 2)],
                    {"reduction": red, "weight": w5, "label_smoothing": 0.1}, ints=[G.T([[[0, 4], [-100, 1], [2, 2]],
                                                                                         [[3, -100], [1, 0], [4, 3]]])]))
        cs.append(C(f"cross_entropy probabilities {red}", "cross_entropy_ex",
                    [r.randn(5, 5, scale=2.0), torch.softmax(r.randn(5, 5), 1).float().double()], {"reduction": red}))
        cs.append(C(f"cross_entropy probabilities weight smoothing {red}", "cross_entropy_ex",
                    [r.randn(5, 5, scale=2.0), torch.softmax(r.randn(5, 5), 1).float().double()],
                    {"reduction": red, "weight": w5, "label_smoothing": 0.2}))
    cs.append(C("cross_entropy 1-D input", "cross_entropy_ex", [r.randn(5)], {"reduction": "none", "weight": w5},
                ints=[G.T(3)]))
    cs.append(C("cross_entropy 1-D probabilities", "cross_entropy_ex", [r.randn(5), torch.softmax(r.randn(5), 0).float().double()],
                {"reduction": "mean"}))
    cs.append(C("cross_entropy transposed logits weight", "cross_entropy_ex", [r.randn(5, 5)],
                {"reduction": "mean", "weight": w5, "label_smoothing": 0.05}, ints=[r.randint(0, 5, 5)],
                layouts=["transposed"]))
    cs.append(C("cross_entropy int32 target smoothing", "cross_entropy_ex", [r.randn(4, 3)],
                {"reduction": "sum", "label_smoothing": 1.0}, ints=[G.T([2, 0, 1, 2], dtype=torch.int32)]))
    cs.append(C("cross_entropy all ignored mean (NaN)", "cross_entropy_ex", [r.randn(3, 4)], {"reduction": "mean"},
                ints=[G.T([-100, -100, -100])]))
    cs.append(C("cross_entropy zero weights mean", "cross_entropy_ex", [r.randn(3, 4)],
                {"reduction": "mean", "weight": [0.0, 0.0, 1.0, 1.0]}, ints=[G.T([0, 1, 0])]))
    ext = f64([[1e8, 0.0, -1e8], [-1e8, 1e8, 0.0], [1e8, 1e8, -1e8], [-inf, 0.0, 1.0], [0.0, -inf, 1.0],
               [inf, 0.0, 1.0], [nan, 0.0, 1.0], [-inf, -inf, -inf], [1e4, -1e4, 0.0]])
    ext_t = G.T([1, 0, 2, 1, 2, 0, 1, 0, 1])
    for red in reds:
        cs.append(C(f"cross_entropy extremes {red}", "cross_entropy_ex", [ext], {"reduction": red}, ints=[ext_t]))
    cs.append(C("cross_entropy extremes smoothing none", "cross_entropy_ex", [ext],
                {"reduction": "none", "label_smoothing": 0.1, "weight": [1.0, 2.0, 0.5]}, ints=[ext_t]))
    ext_ign = G.T([1, 0, 2, 1, 2, -100, -100, -100, 1])
    cs.append(C("cross_entropy extremes ignored rows sum", "cross_entropy_ex", [ext], {"reduction": "sum"},
                ints=[ext_ign]))
    cs.append(C("cross_entropy extreme finite logits smoothing mean", "cross_entropy_ex",
                [f64([[1e8, 0.0, -1e8], [-1e8, 1e8, 0.0], [1e4, -1e4, 0.0]])],
                {"reduction": "mean", "label_smoothing": 0.1}, ints=[G.T([1, 0, 1])]))
    probs01 = f64([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.5, 0.5, 0.0]])
    cs.append(C("cross_entropy one-hot probabilities (0 and 1)", "cross_entropy_ex",
                [f64([[2.0, -1.0, 0.5], [1e8, 0.0, -1e8], [0.0, 1.0, -3.0]]), probs01], {"reduction": "none"}))

    # NLL of log-probabilities
    for red in reds:
        t = r.randint(0, 5, 5)
        t[2] = -100
        cs.append(C(f"nll_loss {red}", "nll_loss", [r.randn(5, 5)], {"reduction": red}, ints=[t]))
        cs.append(C(f"nll_loss weight ignore_index 1 {red}", "nll_loss", [r.randn(5, 5)],
                    {"reduction": red, "weight": w5, "ignore_index": 1}, ints=[G.T([1, 0, 4, 1, 3])]))
        cs.append(C(f"nll_loss spatial {red}", "nll_loss", [r.randn(2, 5, 3)], {"reduction": red, "weight": w5},
                    ints=[G.T([[0, 4, 4], [2, -100, 1]])]))
    cs.append(C("nll_loss 1-D", "nll_loss", [r.randn(5)], {"reduction": "mean"}, ints=[G.T(4)]))
    cs.append(C("nll_loss transposed", "nll_loss", [r.randn(5, 5)], {"reduction": "sum"}, ints=[r.randint(0, 5, 5)],
                layouts=["transposed"]))
    cs.append(C("nll_loss -inf log-probabilities", "nll_loss", [f64([[-inf, 0.0], [0.0, -inf], [nan, -1.0]])],
                {"reduction": "none"}, ints=[G.T([1, 1, 1])]))

    # binary cross-entropy on probabilities (exact 0 and 1 included: logs clamped at -100)
    for red in reds:
        cs.append(C(f"binary_cross_entropy {red}", "binary_cross_entropy",
                    [r.uniform(0.02, 0.98, 5, 5), r.uniform(0.0, 1.0, 5, 5)], {"reduction": red}))
        cs.append(C(f"binary_cross_entropy weight {red}", "binary_cross_entropy",
                    [r.uniform(0.02, 0.98, 5, 5), (r.uniform(0.0, 1.0, 5, 5) > 0.5).double()],
                    {"reduction": red, "weight": [0.5, 2.0, 1.0, 0.25, 1.5]}))
    edges = f64([0.0, 0.0, 1.0, 1.0, 0.5, 1e-30, 1.0 - 2 ** -24, 1e-7])
    edge_t = f64([0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.3])
    cs.append(C("binary_cross_entropy probabilities 0 and 1 none", "binary_cross_entropy", [edges, edge_t],
                {"reduction": "none"}))
    cs.append(C("binary_cross_entropy probabilities 0 and 1 mean", "binary_cross_entropy", [edges, edge_t],
                {"reduction": "mean"}))
    cs.append(C("binary_cross_entropy transposed", "binary_cross_entropy",
                [r.uniform(0.02, 0.98, 3, 7), r.uniform(0.0, 1.0, 3, 7)], {"reduction": "mean"},
                layouts=["transposed", "transposed"]))

    # binary cross-entropy with logits
    for red in reds:
        cs.append(C(f"bce_with_logits {red}", "bce_with_logits", [r.randn(5, 5, scale=3.0), r.uniform(0.0, 1.0, 5, 5)],
                    {"reduction": red}))
        cs.append(C(f"bce_with_logits weight pos_weight {red}", "bce_with_logits",
                    [r.randn(5, 5, scale=3.0), (r.uniform(0.0, 1.0, 5, 5) > 0.5).double()],
                    {"reduction": red, "weight": [[0.5], [1.0], [2.0], [0.25], [1.5]],
                     "pos_weight": [3.0, 1.0, 0.5, 2.0, 1.0]}))
    lx = f64([1e8, -1e8, inf, -inf, nan, 0.0, 30.0, -30.0, 2.5])
    for tv in (0.0, 1.0, 0.5):
        tt = torch.full((9,), tv, dtype=torch.float64)
        cs.append(C(f"bce_with_logits extremes target {tv}", "bce_with_logits", [lx, tt], {"reduction": "none"}))
        cs.append(C(f"bce_with_logits extremes target {tv} pos_weight", "bce_with_logits", [lx, tt],
                    {"reduction": "none", "pos_weight": [3.0]}))
    cs.append(C("bce_with_logits transposed", "bce_with_logits", [r.randn(3, 7), r.uniform(0.0, 1.0, 3, 7)],
                {"reduction": "sum", "pos_weight": [2.0] * 7}, layouts=["transposed", "contiguous"]))
    return cs


def norm_cases(r):
    C = G.Case
    cs = []
    # batch norm with batch statistics (training, no running stats): gradients through the stats
    cs.append(C("batch_norm train [7, 5]", "batch_norm", [r.randn(7, 5, scale=2.0), r.randn(5), r.randn(5)],
                {"training": True}))
    cs.append(C("batch_norm train [4, 3, 5]", "batch_norm", [r.randn(4, 3, 5), r.randn(3), r.randn(3)],
                {"training": True}))
    cs.append(C("batch_norm train [2, 3, 3, 2]", "batch_norm", [r.randn(2, 3, 3, 2), r.randn(3), r.randn(3)],
                {"training": True}))
    cs.append(C("batch_norm train no affine", "batch_norm", [r.randn(6, 4)], {"training": True}))
    cs.append(C("batch_norm train transposed", "batch_norm", [r.randn(3, 6, 5), r.randn(6), r.randn(6)],
                {"training": True}, layouts=["transposed", "contiguous", "contiguous"]))
    cs.append(C("batch_norm train N=2 eps 0.1", "batch_norm", [r.randn(2, 3), r.randn(3), r.randn(3)],
                {"training": True, "eps": 0.1}))
    cs.append(C("batch_norm eval [7, 5]", "batch_norm", [r.randn(7, 5), r.randn(5), r.randn(5)],
                {"training": False, "running_mean": [0.5, -1.0, 0.0, 2.0, 0.25],
                 "running_var": [1.0, 0.5, 2.0, 0.25, 4.0]}))
    cs.append(C("batch_norm eval [2, 3, 2, 2] no affine", "batch_norm", [r.randn(2, 3, 2, 2)],
                {"training": False, "running_mean": [0.5, -1.0, 0.0], "running_var": [1.0, 0.5, 2.0]}))
    # layer norm
    cs.append(C("layer_norm [7, 5] over [5]", "layer_norm", [r.randn(7, 5, scale=2.0), r.randn(5), r.randn(5)],
                {"normalized_shape": [5]}))
    cs.append(C("layer_norm [2, 3, 4] over [3, 4]", "layer_norm", [r.randn(2, 3, 4), r.randn(3, 4), r.randn(3, 4)],
                {"normalized_shape": [3, 4]}))
    cs.append(C("layer_norm [2, 3, 4] over [2, 3, 4]", "layer_norm", [r.randn(2, 3, 4)],
                {"normalized_shape": [2, 3, 4]}))
    cs.append(C("layer_norm transposed", "layer_norm", [r.randn(5, 7), r.randn(7), r.randn(7)],
                {"normalized_shape": [7]}, layouts=["transposed", "contiguous", "contiguous"]))
    cs.append(C("layer_norm [33] eps 1e-3", "layer_norm", [r.randn(33, scale=0.01), r.randn(33), r.randn(33)],
                {"normalized_shape": [33], "eps": 1e-3}))
    # float64 only: torch's float32 layer_norm loses ~2e-5 to the offset here, while flint (double
    # accumulation) lands on the float64 values; test/nn/normalization.test.ts checks float32 against them.
    cs.append(C("layer_norm large offset", "layer_norm", [(r.randn(3, 8) + 100.0).float().double(), r.randn(8), r.randn(8)],
                {"normalized_shape": [8]}, dtypes=["float64"]))
    # embedding: repeated indices, padding_idx, 2-D and int32 indices
    cs.append(C("embedding repeated indices", "embedding", [r.randn(7, 5)], {}, ints=[G.T([2, 0, 2, 6, 2])]))
    cs.append(C("embedding padding_idx 2", "embedding", [r.randn(7, 5)], {"padding_idx": 2},
                ints=[G.T([[2, 0, 2], [6, 2, 1]])]))
    cs.append(C("embedding padding_idx -1", "embedding", [r.randn(4, 3)], {"padding_idx": -1},
                ints=[G.T([3, 3, 0, 1], dtype=torch.int32)]))
    cs.append(C("embedding transposed weight", "embedding", [r.randn(5, 4)], {}, ints=[G.T([4, 0, 0])],
                layouts=["transposed"]))
    # a composed graph
    for red in ("mean", "sum"):
        cs.append(C(f"mlp_nn linear-layer_norm-gelu-linear-log_softmax-nll {red}", "mlp_nn",
                    [r.randn(5, 7), r.randn(6, 7, scale=0.3), r.randn(6, scale=0.1), r.randn(6), r.randn(6),
                     r.randn(4, 6, scale=0.3), r.randn(4, scale=0.1)], {"reduction": red}, ints=[r.randint(0, 4, 5)]))
    return cs


def batchnorm_modules():
    """nn.BatchNorm1d / 2d: three training steps then eval, running stats after each step."""
    out = []
    configs = [
        ("BatchNorm1d [6, 4] momentum 0.1", torch.nn.BatchNorm1d, [6, 4], {"momentum": 0.1}),
        ("BatchNorm1d [3, 4, 5] momentum None", torch.nn.BatchNorm1d, [3, 4, 5], {"momentum": None}),
        ("BatchNorm2d [2, 3, 4, 4] momentum 0.3 eps 1e-3", torch.nn.BatchNorm2d, [2, 3, 4, 4],
         {"momentum": 0.3, "eps": 1e-3}),
        ("BatchNorm1d [5, 3] no affine", torch.nn.BatchNorm1d, [5, 3], {"affine": False}),
    ]
    for ci, (name, cls, shape, kw) in enumerate(configs):
        r = G.Rand(8800 + ci)
        C = shape[1]
        # float32-representable sums: both dtypes and flint see the same numbers
        steps = [(r.randn(*shape, scale=1.5) + r.randn(1, C, *([1] * (len(shape) - 2)))).float().double() for _ in range(3)]
        eval_x = r.randn(*shape)
        params = None
        if kw.get("affine", True):
            params = [r.randn(C), r.randn(C)]
        case = {"name": name, "layer": cls.__name__, "num_features": C,
                "options": {"momentum": kw.get("momentum", 0.1), "eps": kw.get("eps", 1e-5),
                            "affine": kw.get("affine", True)},
                "params": [G.enc_tensor(p, "float32") for p in params] if params else None,
                "steps": [G.enc_tensor(s, "float32") for s in steps], "eval_input": G.enc_tensor(eval_x, "float32"),
                "expected": {}}
        for dname, dt in G.DTYPES.items():
            m = cls(C, **kw).to(dt)
            if params:
                with torch.no_grad():
                    m.weight.copy_(params[0])
                    m.bias.copy_(params[1])
            m.train()
            hist = []
            for s in steps:
                y = m(s.to(dt))
                hist.append({"out": G.enc(y, dname), "running_mean": G.enc(m.running_mean, dname),
                             "running_var": G.enc(m.running_var, dname),
                             "num_batches_tracked": int(m.num_batches_tracked)})
            m.eval()
            e = {"steps": hist, "eval_out": G.enc(m(eval_x.to(dt)), dname)}
            case["expected"][dname] = e
        case["state_dict_keys"] = list(cls(C, **kw).state_dict().keys())
        out.append(case)
    return out


def main():
    # mse_loss and smooth_l1_loss broadcast a smaller target (the case is meant)
    warnings.filterwarnings("ignore", message="Using a target size")
    base = G.apply
    G.apply = lambda op, xs, ints, p: apply_nn(op, xs, ints, p, base)
    try:
        r = G.Rand(808)
        cases = activation_cases(r) + loss_cases(r) + norm_cases(r)
        doc = {
            "generator": "scripts/goldens_nn.py",
            "torch": torch.__version__.split("+")[0],
            "cases": [c.run(8000 + i) for i, c in enumerate(cases)],
            "batchnorm_modules": batchnorm_modules(),
        }
    finally:
        G.apply = base
    names = [c["name"] for c in doc["cases"]]
    assert len(names) == len(set(names)), "duplicate case names in nn"
    path = os.path.join(G.OUT_DIR, "nn.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    return path


if __name__ == "__main__":
    path = main()
    print(f"{os.path.relpath(path, G.ROOT)}: {os.path.getsize(path) / 1024:.1f} KiB")
