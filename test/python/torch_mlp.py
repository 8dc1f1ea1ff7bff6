"""PyTorch side of the MLP compatibility test.

  python3 torch_mlp.py make DIR    seeds torch, builds the MLP, writes DIR/torch_model.safetensors
                                   (its state_dict) and DIR/torch_io.safetensors (input x, output y)
  python3 torch_mlp.py check DIR   loads DIR/flint_model.safetensors into the torch MLP (strict),
                                   runs DIR/flint_io.safetensors's x and compares with its y

Prints a JSON summary.
"""
import json
import os
import sys

import torch
from torch import nn

import safetensors_mini as st


def mlp():
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))


torch.set_num_threads(1)
mode, d = sys.argv[1:3]
if mode == "make":
    torch.manual_seed(1234)
    model = mlp()
    x = torch.randn(16, 784)
    with torch.no_grad():
        y = model(x)
    st.write(os.path.join(d, "torch_model.safetensors"), model.state_dict(), {"format": "pt"})
    st.write(os.path.join(d, "torch_io.safetensors"), {"x": x, "y": y})
    print(json.dumps({"ok": True, "keys": list(model.state_dict().keys())}))
else:
    model = mlp()
    sd, _ = st.read(os.path.join(d, "flint_model.safetensors"))
    model.load_state_dict(sd, strict=True)
    io, _ = st.read(os.path.join(d, "flint_io.safetensors"))
    with torch.no_grad():
        y = model(io["x"])
    # error relative to the output's scale, and torch.allclose(rtol 1e-5, atol 1e-6)
    err = ((y - io["y"]).abs().max() / io["y"].abs().max()).item()
    close = torch.allclose(y, io["y"], rtol=1e-5, atol=1e-6)
    print(json.dumps({"ok": True, "maxRelErr": err, "allclose": close}))
