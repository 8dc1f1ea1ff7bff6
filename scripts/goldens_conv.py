#!/usr/bin/env python3
"""PyTorch goldens for conv2d and 2-D pooling: test/fixtures/conv.json.

Run alone with  /usr/bin/python3 scripts/goldens_conv.py,  or through gen_goldens.py (npm run goldens),
whose main calls main() here. Cases, number encoding and determinism are gen_goldens.py's: this
module only adds the ops (conv2d, max_pool2d, avg_pool2d, adaptive_avg_pool2d and a small
CNN graph) to its apply() while it writes, with the same names and params as the OPS table that
test/nn/conv.test.ts adds to test/helpers/goldens.ts.
"""
import math
import warnings

import torch

import gen_goldens as G

F = torch.nn.functional
f64 = G.f64


def _p(v):
    return tuple(v) if isinstance(v, list) else v


def apply_conv(op, xs, ints, p, base):
    if op == "conv2d":
        return F.conv2d(xs[0], xs[1], xs[2] if len(xs) > 2 else None, stride=_p(p.get("stride", 1)),
                        padding=_p(p.get("padding", 0)), dilation=_p(p.get("dilation", 1)), groups=p.get("groups", 1))
    if op == "max_pool2d":
        return F.max_pool2d(xs[0], _p(p["kernel"]), stride=_p(p.get("stride")), padding=_p(p.get("padding", 0)),
                            dilation=_p(p.get("dilation", 1)), ceil_mode=p.get("ceil_mode", False), return_indices=True)
    if op == "avg_pool2d":
        return F.avg_pool2d(xs[0], _p(p["kernel"]), stride=_p(p.get("stride")), padding=_p(p.get("padding", 0)),
                            ceil_mode=p.get("ceil_mode", False), count_include_pad=p.get("count_include_pad", True),
                            divisor_override=p.get("divisor_override"))
    if op == "adaptive_avg_pool2d":
        return F.adaptive_avg_pool2d(xs[0], _p(p["output_size"]))
    if op == "cnn":
        # conv -> relu -> max_pool 2 -> conv -> relu -> max_pool 2 -> flatten -> linear -> cross-entropy
        x, w1, b1, w2, b2, w3, b3 = xs
        h = F.max_pool2d(F.relu(F.conv2d(x, w1, b1)), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, w2, b2)), 2)
        return F.cross_entropy(F.linear(torch.flatten(h, 1), w3, b3), ints[0].long())
    return base(op, xs, ints, p)


def conv_cases():
    r = G.Rand(909)
    C = G.Case
    cs = []
    conv = [
        # name, x shape, w shape, params, bias, layouts
        ("3x3 basic", [2, 3, 6, 6], [4, 3, 3, 3], {}, True, None),
        ("no bias", [2, 2, 5, 6], [3, 2, 3, 3], {}, False, None),
        ("stride 2 padding 1 odd sizes", [2, 3, 7, 6], [3, 3, 3, 2], {"stride": 2, "padding": 1}, True, None),
        ("stride and padding pairs", [1, 2, 8, 9], [3, 2, 3, 3], {"stride": [2, 1], "padding": [1, 2]}, True, None),
        ("dilation 2", [1, 2, 9, 9], [3, 2, 3, 3], {"dilation": 2}, True, None),
        ("dilation [2, 1] padding 2", [1, 2, 7, 6], [3, 2, 3, 2], {"dilation": [2, 1], "padding": 2}, True, None),
        ("groups 2", [2, 4, 6, 5], [6, 2, 3, 3], {"groups": 2}, True, None),
        ("depthwise groups 3", [1, 3, 5, 5], [3, 1, 3, 3], {"groups": 3, "padding": 1}, True, None),
        ("depthwise multiplier 2", [2, 3, 5, 4], [6, 1, 2, 2], {"groups": 3}, False, None),
        ("1x1 pointwise", [2, 5, 4, 3], [7, 5, 1, 1], {}, True, None),
        ("1x1 batch 1", [1, 5, 4, 3], [7, 5, 1, 1], {}, True, None),
        ("1x1 stride 2", [2, 3, 5, 5], [4, 3, 1, 1], {"stride": 2}, True, None),
        ("padding same 3x3", [2, 2, 6, 5], [3, 2, 3, 3], {"padding": "same"}, True, None),
        ("padding same even 4x2 (asymmetric)", [1, 2, 6, 5], [3, 2, 4, 2], {"padding": "same"}, True, None),
        ("padding same dilation 2 kernel 2", [1, 2, 5, 6], [2, 2, 2, 2], {"padding": "same", "dilation": 2}, True, None),
        ("padding valid", [1, 2, 6, 5], [3, 2, 3, 3], {"padding": "valid"}, True, None),
        ("kernel fills the input", [2, 3, 4, 5], [2, 3, 4, 5], {}, True, None),
        ("kernel fills the padded input", [1, 2, 2, 3], [2, 2, 4, 5], {"padding": 1}, True, None),
        ("batch 1", [1, 3, 6, 7], [4, 3, 3, 3], {"stride": 2}, True, None),
        ("non-contiguous input and weight", [2, 2, 5, 6], [3, 2, 3, 2], {"padding": 1},
         True, ["transposed", "transposed", "contiguous"]),
        ("non-contiguous input groups 2", [2, 4, 5, 6], [4, 2, 3, 3], {"groups": 2, "stride": 2},
         True, ["transposed", "contiguous", "contiguous"]),
        ("stride 2 padding 2 dilation 2 groups 3", [1, 6, 7, 8], [6, 2, 3, 3],
         {"stride": 2, "padding": 2, "dilation": 2, "groups": 3}, False, None),
        ("many channels, batch 1", [1, 6, 7, 7], [8, 6, 3, 3], {}, True, None),
        ("unbatched 3-D input", [3, 6, 5], [4, 3, 3, 3], {"padding": 1}, True, None),
    ]
    for name, sx, sw, p, bias, lay in conv:
        ins = [r.randn(*sx), r.randn(*sw, scale=0.5)]
        if bias:
            ins.append(r.randn(sw[0], scale=0.5))
        cs.append(C(f"conv2d {name} {sx} {sw}", "conv2d", ins, p, layouts=lay))
    # large values, float64 only: in float32, sums of +-1e5 terms that cancel to ~1e3 (the output
    # and both gradients, whose upstream gradient has mixed signs) differ in the 4th-5th digit
    # between any two summation orders, torch's included. test/native/conv_sweep.test.ts checks
    # float32 at these magnitudes against the naive kernel with a bound scaled by sum |terms|.
    cs.append(C("conv2d large values [1, 2, 5, 5] [3, 2, 3, 3]", "conv2d",
                [r.randn(1, 2, 5, 5, scale=1e3), r.randn(3, 2, 3, 3, scale=1e2), r.randn(3, scale=1e3)], {"padding": 1},
                dtypes=["float64"]))

    mp = [
        ("k2", [2, 2, 6, 6], {"kernel": 2}, None),
        ("k3 s2 p1 odd sizes", [2, 2, 9, 7], {"kernel": 3, "stride": 2, "padding": 1}, None),
        ("k2 ceil mode", [1, 2, 7, 7], {"kernel": 2, "ceil_mode": True}, None),
        ("k3 s2 p1 ceil mode", [1, 1, 8, 8], {"kernel": 3, "stride": 2, "padding": 1, "ceil_mode": True}, None),
        ("k3 s2 ceil mode last window clipped", [1, 2, 6, 6], {"kernel": 3, "stride": 2, "ceil_mode": True}, None),
        ("dilation 2", [1, 2, 9, 9], {"kernel": 3, "dilation": 2}, None),
        ("dilation [1, 2] padding 1 stride 1", [1, 1, 6, 7], {"kernel": 3, "dilation": [1, 2], "padding": 1, "stride": 1}, None),
        ("rectangular kernel [2, 3] stride [1, 2]", [2, 2, 5, 8], {"kernel": [2, 3], "stride": [1, 2]}, None),
        ("overlapping k3 s1", [1, 2, 5, 6], {"kernel": 3, "stride": 1}, None),
        ("non-contiguous input", [2, 2, 6, 7], {"kernel": 2}, ["transposed"]),
        ("non-contiguous k3 s2 p1", [1, 3, 7, 5], {"kernel": 3, "stride": 2, "padding": 1}, ["transposed"]),
        ("unbatched 3-D", [3, 6, 6], {"kernel": 2}, None),
        ("seed CNN pool [11 -> 5]", [1, 1, 11, 11], {"kernel": 2}, None),
    ]
    for name, s, p, lay in mp:
        cs.append(C(f"max_pool2d {name} {s}", "max_pool2d", [r.randn(*s)], p, layouts=lay))
    # ties: small integers, many equal values per window; the gradient goes to the first maximum
    ties = torch.randint(0, 3, (2, 2, 6, 6), generator=torch.Generator().manual_seed(77)).double()
    cs.append(C("max_pool2d ties k2", "max_pool2d", [ties], {"kernel": 2}))
    cs.append(C("max_pool2d ties overlapping k3 s1 p1", "max_pool2d", [ties], {"kernel": 3, "stride": 1, "padding": 1}))
    cs.append(C("max_pool2d ties non-contiguous k2 s1", "max_pool2d", [ties], {"kernel": 2, "stride": 1},
                layouts=["transposed"]))
    cs.append(C("max_pool2d constant plane", "max_pool2d", [torch.full((1, 1, 4, 5), 0.5, dtype=torch.float64)],
                {"kernel": 2, "ceil_mode": True}))
    inf = math.inf
    cs.append(C("max_pool2d infinities and NaN", "max_pool2d",
                [f64([[[[-inf, -inf, 1.0, 2.0], [-inf, -inf, math.nan, 0.0], [3.0, inf, -1.0, -2.0],
                        [math.nan, 0.5, 1e30, -1e30]]]])], {"kernel": 2}))
    cs.append(C("max_pool2d NaN with overlapping windows", "max_pool2d",
                [f64([[[[1.0, math.nan, 2.0], [math.nan, 0.0, 5.0], [-1.0, 4.0, 4.0]]]])], {"kernel": 2, "stride": 1}))

    ap = [
        ("k2", [2, 2, 6, 6], {"kernel": 2}, None),
        ("k3 s2 p1", [2, 2, 9, 7], {"kernel": 3, "stride": 2, "padding": 1}, None),
        ("k3 s2 p1 without pad count", [2, 2, 9, 7], {"kernel": 3, "stride": 2, "padding": 1, "count_include_pad": False}, None),
        ("k3 s2 p1 ceil mode", [1, 2, 8, 8], {"kernel": 3, "stride": 2, "padding": 1, "ceil_mode": True}, None),
        ("k3 s2 p1 ceil mode without pad count", [1, 2, 8, 8],
         {"kernel": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}, None),
        ("k2 ceil mode odd", [1, 1, 7, 5], {"kernel": 2, "ceil_mode": True}, None),
        ("divisor override 3", [1, 2, 6, 6], {"kernel": 2, "padding": 1, "divisor_override": 3}, None),
        ("rectangular [3, 2] stride [2, 1] padding [1, 0]", [2, 1, 7, 6], {"kernel": [3, 2], "stride": [2, 1], "padding": [1, 0]}, None),
        ("non-contiguous input", [2, 2, 6, 7], {"kernel": 3, "stride": 2}, ["transposed"]),
        ("unbatched 3-D", [3, 6, 5], {"kernel": 2, "stride": 1}, None),
    ]
    for name, s, p, lay in ap:
        cs.append(C(f"avg_pool2d {name} {s}", "avg_pool2d", [r.randn(*s)], p, layouts=lay))

    aap = [
        ("7x7 -> 3x3 (overlapping windows)", [2, 3, 7, 7], [3, 3], None),
        ("global (1)", [2, 3, 5, 6], 1, None),
        ("5x9 -> 2x4", [1, 2, 5, 9], [2, 4], None),
        ("3x3 -> 5x5 (larger output)", [1, 1, 3, 3], [5, 5], None),
        ("None keeps a dim", [1, 2, 4, 6], [None, 3], None),
        ("same size (identity)", [1, 2, 4, 3], [4, 3], None),
        ("non-contiguous input", [2, 2, 6, 7], [4, 3], ["transposed"]),
        ("unbatched 3-D", [3, 6, 5], [2, 2], None),
    ]
    for name, s, o, lay in aap:
        cs.append(C(f"adaptive_avg_pool2d {name} {s}", "adaptive_avg_pool2d", [r.randn(*s)], {"output_size": o},
                    layouts=lay))

    # the seed CNN's graph in miniature: 12x12 -> conv3 10x10 -> pool 5x5 -> conv3 3x3 -> pool 1x1 -> fc
    cs.append(C("cnn conv-relu-pool x2 + linear + cross_entropy", "cnn",
                [r.randn(3, 1, 12, 12), r.randn(4, 1, 3, 3, scale=0.5), r.randn(4, scale=0.1),
                 r.randn(6, 4, 3, 3, scale=0.3), r.randn(6, scale=0.1), r.randn(5, 6, scale=0.5), r.randn(5, scale=0.1)],
                ints=[r.randint(0, 5, 3)]))
    return cs


def main():
    # padding='same' with an even kernel: torch pads a copy of the input (the case is meant)
    warnings.filterwarnings("ignore", message="Using padding='same' with even kernel")
    base = G.apply
    G.apply = lambda op, xs, ints, p: apply_conv(op, xs, ints, p, base)
    try:
        return G.write("conv", conv_cases(), 9000)
    finally:
        G.apply = base


if __name__ == "__main__":
    import os
    path = main()
    print(f"{os.path.relpath(path, G.ROOT)}: {os.path.getsize(path) / 1024:.1f} KiB")
