#!/usr/bin/env python3
"""Goldens for flint's warping transforms (lib/data/functional.ts): test/fixtures/transforms.json.

Run with Debian's python3-torch:  /usr/bin/python3 scripts/gen_transform_fixtures.py

torchvision is not packaged in Debian, so its tensor path for F.rotate / F.affine is written out
here from torchvision/transforms/functional.py and _functional_tensor.py (v0.15):
_get_inverse_affine_matrix, _gen_affine_grid and _apply_grid_transform, around PyTorch's own
torch.nn.functional.grid_sample, which does the sampling. flint computes the same warp in its
own kernel (native/cpu/augment.cc) from absolute pixel coordinates, so the two meet only at the
definition of the transform.

Inputs are float64 values in [0, 255) from a seeded generator (uint8 cases round them); the
warp runs in float64. Deterministic: re-running leaves `git status` clean.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "transforms.json")


def get_inverse_affine_matrix(center, angle, translate, scale, shear):
    rot = math.radians(angle)
    sx = math.radians(shear[0])
    sy = math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    matrix = [d, -b, 0.0, -c, a, 0.0]
    matrix = [x / scale for x in matrix]
    matrix[2] += matrix[0] * (-cx - tx) + matrix[1] * (-cy - ty)
    matrix[5] += matrix[3] * (-cx - tx) + matrix[4] * (-cy - ty)
    matrix[2] += cx
    matrix[5] += cy
    return matrix


def gen_affine_grid(theta, w, h, ow, oh):
    d = 0.5
    base_grid = torch.empty(1, oh, ow, 3, dtype=theta.dtype)
    x_grid = torch.linspace(-ow * 0.5 + d, ow * 0.5 + d - 1, steps=ow, dtype=theta.dtype)
    base_grid[..., 0].copy_(x_grid)
    y_grid = torch.linspace(-oh * 0.5 + d, oh * 0.5 + d - 1, steps=oh, dtype=theta.dtype).unsqueeze_(-1)
    base_grid[..., 1].copy_(y_grid)
    base_grid[..., 2].fill_(1)
    rescaled_theta = theta.transpose(1, 2) / torch.tensor([0.5 * w, 0.5 * h], dtype=theta.dtype)
    output_grid = base_grid.view(1, oh * ow, 3).bmm(rescaled_theta)
    return output_grid.view(1, oh, ow, 2)


def apply_grid_transform(img, grid, mode, fill):
    # img [N, C, H, W] float64
    if img.shape[0] > 1:
        grid = grid.expand(img.shape[0], grid.shape[1], grid.shape[2], grid.shape[3])
    if fill is not None:
        mask = torch.ones((img.shape[0], 1, img.shape[2], img.shape[3]), dtype=img.dtype)
        img = torch.cat((img, mask), dim=1)
    img = F.grid_sample(img, grid, mode=mode, padding_mode="zeros", align_corners=False)
    if fill is not None:
        mask = img[:, -1:, :, :]
        img = img[:, :-1, :, :]
        mask = mask.expand_as(img)
        fill_list, len_fill = (fill, len(fill)) if isinstance(fill, (tuple, list)) else ([float(fill)], 1)
        fill_img = torch.tensor(fill_list, dtype=img.dtype).view(1, len_fill, 1, 1).expand_as(img)
        if mode == "nearest":
            mask = mask < 0.5
            img[mask] = fill_img[mask]
        else:
            img = img * mask + (1.0 - mask) * fill_img
    return img


def warp(img, matrix, mode, fill):
    # img [C, H, W] float64; torchvision's F_t.affine / F_t.rotate with expand=False
    h, w = img.shape[-2:]
    theta = torch.tensor(matrix, dtype=torch.float64).reshape(1, 2, 3)
    grid = gen_affine_grid(theta, w=w, h=h, ow=w, oh=h)
    return apply_grid_transform(img.unsqueeze(0), grid, mode, fill)[0]


def rotate(img, angle, mode, fill, center=None):
    h, w = img.shape[-2:]
    center_f = [0.0, 0.0] if center is None else [c - s * 0.5 for c, s in zip(center, [w, h])]
    return warp(img, get_inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0]), mode, fill)


def affine(img, angle, translate, scale, shear, mode, fill, center=None):
    h, w = img.shape[-2:]
    center_f = [0.0, 0.0] if center is None else [c - s * 0.5 for c, s in zip(center, [w, h])]
    return warp(img, get_inverse_affine_matrix(center_f, angle, translate, scale, shear), mode, fill)


def main():
    g = torch.Generator().manual_seed(20240601)

    def image(c, h, w):
        return torch.rand(c, h, w, generator=g, dtype=torch.float64) * 255

    cases = []

    def add(name, img, out, op, args, dtype="float64"):
        if dtype == "uint8":
            out = torch.round(out)  # torchvision's _cast_squeeze_out for integer images
        cases.append({"name": name, "op": op, "args": args, "dtype": dtype, "shape": list(img.shape),
                      "input": img.flatten().tolist(), "output": out.flatten().tolist()})

    x = image(1, 5, 6)
    add("rotate 30 nearest fill 0", x, rotate(x, 30.0, "nearest", [0.0]), "rotate",
        {"angle": 30.0, "interpolation": "nearest", "fill": 0})
    add("rotate 30 bilinear fill 0 (mask blend)", x, rotate(x, 30.0, "bilinear", [0.0]), "rotate",
        {"angle": 30.0, "interpolation": "bilinear", "fill": 0})
    add("rotate -17 bilinear without fill", x, rotate(x, -17.0, "bilinear", None), "rotate",
        {"angle": -17.0, "interpolation": "bilinear"})
    add("rotate 40 nearest about (1, 2)", x, rotate(x, 40.0, "nearest", [7.0], center=[1, 2]), "rotate",
        {"angle": 40.0, "interpolation": "nearest", "fill": 7, "center": [1, 2]})
    y = image(3, 6, 5)
    add("affine bilinear, per-channel fill", y,
        affine(y, 20.0, [1.0, -2.0], 1.1, [5.0, -3.0], "bilinear", [10.0, 20.0, 30.0]), "affine",
        {"angle": 20.0, "translate": [1, -2], "scale": 1.1, "shear": [5.0, -3.0], "interpolation": "bilinear",
         "fill": [10, 20, 30]})
    add("affine nearest scale 0.7", y, affine(y, -35.0, [0.0, 1.0], 0.7, [0.0, 0.0], "nearest", [0.0]), "affine",
        {"angle": -35.0, "translate": [0, 1], "scale": 0.7, "shear": 0, "interpolation": "nearest", "fill": 0})
    z = torch.round(image(1, 7, 7))
    add("uint8 rotate 33 bilinear (rounded)", z, rotate(z, 33.0, "bilinear", [0.0]), "rotate",
        {"angle": 33.0, "interpolation": "bilinear", "fill": 0}, dtype="uint8")

    with open(OUT, "w") as f:
        json.dump({"generator": "scripts/gen_transform_fixtures.py", "torch": torch.__version__, "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
