"""PyTorch side of the SimpleCNN compatibility test (test/nn/conv.test.ts).

  python3 torch_cnn.py make DIR    seeds torch, builds the seed's SimpleCNN, writes DIR/torch_cnn.safetensors
                                   (its state_dict) and DIR/torch_cnn_io.safetensors: x [8, 1, 28, 28],
                                   t [8] (int64), the logits y and the loss (float32), and in float64
                                   the logits y64, loss64 and grad64.<key> for every parameter of
                                   cross_entropy(model(x), t)
  python3 torch_cnn.py check DIR   loads DIR/flint_cnn.safetensors into the torch SimpleCNN (strict),
                                   runs DIR/flint_cnn_io.safetensors's x and compares with its y

Prints a JSON summary.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

import safetensors_mini as st


class SimpleCNN(nn.Module):  # /work/shared/bench/pytorch_reference.py
    def __init__(s):
        super().__init__()
        s.conv1 = nn.Conv2d(1, 32, 3, 1); s.conv2 = nn.Conv2d(32, 64, 3, 1)
        s.fc1 = nn.Linear(1600, 128); s.fc2 = nn.Linear(128, 10)

    def forward(s, x):
        x = F.max_pool2d(F.relu(s.conv1(x)), 2)
        x = F.max_pool2d(F.relu(s.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return s.fc2(F.relu(s.fc1(x)))


torch.set_num_threads(1)
mode, d = sys.argv[1:3]
if mode == "make":
    torch.manual_seed(4321)
    model = SimpleCNN()
    x = torch.randn(8, 1, 28, 28)
    t = torch.randint(0, 10, (8,))
    with torch.no_grad():
        y = model(x)
    st.write(os.path.join(d, "torch_cnn.safetensors"), model.state_dict(), {"format": "pt"})
    io = {"x": x, "t": t, "y": y, "loss": F.cross_entropy(y, t).reshape(1)}
    # gradients in float64: in float32, a max-pool window whose two largest values agree to ~7
    # digits may pick either (rounding differs between any two implementations), sending one
    # gradient elsewhere; float64 resolves such near-ties the same way everywhere
    model.double()
    y64 = model(x.double())
    loss64 = F.cross_entropy(y64, t)
    loss64.backward()
    io["y64"], io["loss64"] = y64.detach(), loss64.detach().reshape(1)
    for k, p in model.named_parameters():
        io["grad64." + k] = p.grad
    st.write(os.path.join(d, "torch_cnn_io.safetensors"), io)
    print(json.dumps({"ok": True, "keys": list(model.state_dict().keys())}))
else:
    model = SimpleCNN()
    sd, _ = st.read(os.path.join(d, "flint_cnn.safetensors"))
    model.load_state_dict(sd, strict=True)
    io, _ = st.read(os.path.join(d, "flint_cnn_io.safetensors"))
    with torch.no_grad():
        y = model(io["x"])
    err = ((y - io["y"]).abs().max() / io["y"].abs().max()).item()
    close = torch.allclose(y, io["y"], rtol=1e-5, atol=1e-6)
    print(json.dumps({"ok": True, "maxRelErr": err, "allclose": close}))
