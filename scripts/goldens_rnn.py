#!/usr/bin/env python3
"""PyTorch goldens for flint's recurrent layers: test/fixtures/rnn.json.

Called from scripts/gen_goldens.py main (npm run goldens); runs alone too:
    /usr/bin/python3 scripts/goldens_rnn.py

Each case builds a torch layer (nn.RNN / LSTM / GRU or a cell) from a seeded default
initialisation, rounds its parameters to float32-representable values (stored as a state dict,
so flint loads them with loadStateDict), draws an input and optional initial states, and
records in float64 and float32: the outputs (output, h_n, c_n; a cell's h' and c'), and the
gradients of the input, the initial states and every parameter for the loss
    sum(output * g_output) + sum(h_n * g_h) + sum(c_n * g_c)
with fixed float32-representable upstream gradients (g_h / g_c absent: that output unused).
Deterministic: fixed seeds, one torch thread, no timestamps.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_goldens import DTYPES, OUT_DIR, Rand, enc, enc_tensor  # noqa: E402

LAYERS = {"RNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU,
          "RNNCell": torch.nn.RNNCell, "LSTMCell": torch.nn.LSTMCell, "GRUCell": torch.nn.GRUCell}


class RnnCase:
    """layer: a key of LAYERS; args: flint's option names (camelCase), translated for torch."""

    def __init__(self, name, layer, input_size, hidden_size, args, seq, batch, init_states, grads=("out", "h", "c")):
        self.name, self.layer, self.args = name, layer, dict(args)
        self.input_size, self.hidden_size = input_size, hidden_size
        self.seq, self.batch = seq, batch  # batch None: unbatched input
        self.init_states, self.grads = init_states, grads

    def torch_kwargs(self):
        names = {"numLayers": "num_layers", "batchFirst": "batch_first", "bidirectional": "bidirectional",
                 "bias": "bias", "nonlinearity": "nonlinearity", "dropout": "dropout"}
        return {names[k]: v for k, v in self.args.items()}

    def run(self, seed):
        cell = self.layer.endswith("Cell")
        torch.manual_seed(seed)
        m0 = LAYERS[self.layer](self.input_size, self.hidden_size, **self.torch_kwargs())
        sd = {k: v.detach().double().float().double() for k, v in m0.state_dict().items()}
        r = Rand(seed)
        H = self.hidden_size
        if cell:
            x_shape = [self.batch, self.input_size] if self.batch is not None else [self.input_size]
            s_shape = [self.batch, H] if self.batch is not None else [H]
        else:
            L = self.args.get("numLayers", 1) * (2 if self.args.get("bidirectional") else 1)
            if self.batch is None:
                x_shape, s_shape = [self.seq, self.input_size], [L, H]
            elif self.args.get("batchFirst"):
                x_shape, s_shape = [self.batch, self.seq, self.input_size], [L, self.batch, H]
            else:
                x_shape, s_shape = [self.seq, self.batch, self.input_size], [L, self.batch, H]
        x = r.randn(*x_shape)
        n_states = 2 if self.layer.startswith("LSTM") else 1
        states = [r.randn(*s_shape, scale=0.5) for _ in range(n_states)] if self.init_states else []
        case = {
            "name": self.name, "layer": self.layer, "inputSize": self.input_size, "hiddenSize": H,
            "options": self.args,
            "stateDict": [dict(key=k, **enc_tensor(v, "float32")) for k, v in sd.items()],
            "input": enc_tensor(x, "float32"),
            "states": [enc_tensor(s, "float32") for s in states],
        }
        upstream = None
        expected = {}
        for dname, dt in DTYPES.items():
            m = LAYERS[self.layer](self.input_size, self.hidden_size, **self.torch_kwargs()).to(dt)
            m.load_state_dict({k: v.to(dt) for k, v in sd.items()})
            xi = x.detach().to(dt).clone().requires_grad_(True)
            si = [s.detach().to(dt).clone().requires_grad_(True) for s in states]
            if cell:
                res = m(xi, (si[0], si[1]) if n_states == 2 and si else (si[0] if si else None))
                outs = list(res) if isinstance(res, tuple) else [res]  # h' (, c')
            else:
                hx = None if not si else (tuple(si) if n_states == 2 else si[0])
                out, hn = m(xi, hx)
                outs = [out] + (list(hn) if isinstance(hn, tuple) else [hn])
            if upstream is None:
                kinds = ["h", "c"] if cell else ["out", "h", "c"]
                upstream = [Rand(seed + 1000 + i).randn(*o.shape) if kinds[i] in self.grads else None
                            for i, o in enumerate(outs)]
                case["upstream"] = [enc_tensor(u, "float32") if u is not None else None for u in upstream]
            loss = sum((o * u.to(dt)).sum() for o, u in zip(outs, upstream) if u is not None)
            loss.backward()
            expected[dname] = {
                "outputs": [enc_tensor(o, dname) for o in outs],
                "inputGrad": enc(xi.grad, dname),
                "stateGrads": [enc(s.grad, dname) for s in si],
                "paramGrads": {k: enc(p.grad, dname) for k, p in m.named_parameters()},
            }
        case["expected"] = expected
        return case


def cases():
    return [
        RnnCase("LSTM(5, 7) seq 4 batch 3, zero states", "LSTM", 5, 7, {}, 4, 3, False),
        RnnCase("LSTM(3, 5) 2 layers bidirectional batchFirst, initial states", "LSTM", 3, 5,
                {"numLayers": 2, "bidirectional": True, "batchFirst": True}, 6, 2, True),
        RnnCase("LSTM(4, 3) no bias, unbatched, only h_n used", "LSTM", 4, 3, {"bias": False}, 5, None, True,
                grads=("h",)),
        RnnCase("LSTM(3, 4) 3 layers, seq 1, only c_n used", "LSTM", 3, 4, {"numLayers": 3}, 1, 2, True, grads=("c",)),
        RnnCase("GRU(4, 6) seq 5 batch 3, initial state", "GRU", 4, 6, {}, 5, 3, True),
        RnnCase("GRU(3, 5) 2 layers bidirectional batchFirst", "GRU", 3, 5,
                {"numLayers": 2, "bidirectional": True, "batchFirst": True}, 4, 2, True),
        RnnCase("GRU(2, 3) no bias, unbatched", "GRU", 2, 3, {"bias": False}, 3, None, False),
        RnnCase("RNN tanh (4, 6) 2 layers, initial state", "RNN", 4, 6, {"numLayers": 2}, 5, 3, True),
        RnnCase("RNN relu (3, 5) bidirectional no bias", "RNN", 3, 5,
                {"nonlinearity": "relu", "bidirectional": True, "bias": False}, 4, 2, True),
        RnnCase("RNN relu (3, 4) batchFirst, zero state", "RNN", 3, 4, {"nonlinearity": "relu", "batchFirst": True},
                6, 3, False),
        RnnCase("LSTMCell(4, 6) batch 3", "LSTMCell", 4, 6, {}, None, 3, True),
        RnnCase("LSTMCell(3, 5) unbatched, zero state", "LSTMCell", 3, 5, {}, None, None, False),
        RnnCase("GRUCell(4, 6) batch 3", "GRUCell", 4, 6, {}, None, 3, True),
        RnnCase("RNNCell relu (4, 5) no bias", "RNNCell", 4, 5, {"nonlinearity": "relu", "bias": False}, None, 2, True),
        RnnCase("RNNCell tanh (3, 4) zero state", "RNNCell", 3, 4, {}, None, 3, False),
    ]


def rnn_fixture():
    cs = cases()
    doc = {"generator": "scripts/goldens_rnn.py", "torch": torch.__version__.split("+")[0],
           "cases": [c.run(8000 + i) for i, c in enumerate(cs)]}
    names = [c["name"] for c in doc["cases"]]
    assert len(names) == len(set(names)), "duplicate case names in rnn"
    path = os.path.join(OUT_DIR, "rnn.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    return path


if __name__ == "__main__":
    torch.set_num_threads(1)
    p = rnn_fixture()
    print(f"{os.path.relpath(p)}: {os.path.getsize(p) / 1024:.1f} KiB")
