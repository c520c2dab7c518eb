"""The default model's vision tower in PyTorch: a CLIP-style ViT whose
patch conv is replaced by a convolutional stem (3x3 stride-2 convolutions
with batch norm and ReLU, then a 1x1 convolution to the width), as in
"Early Convolutions Help Transformers See Better".  At export the batch
norms are folded into the convolutions and the weights get Hugging Face
CLIP names, so engine/nn/vit.c and tools/ralifmt.py run it unchanged."""

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, C, H, Fm):
        super().__init__()
        self.H = H
        self.ln1 = nn.LayerNorm(C)
        self.q, self.k, self.v, self.o = (nn.Linear(C, C) for _ in range(4))
        self.ln2 = nn.LayerNorm(C)
        self.fc1 = nn.Linear(C, Fm)
        self.fc2 = nn.Linear(Fm, C)

    def forward(self, x):
        B, T, C = x.shape
        Dh = C // self.H
        h = self.ln1(x)
        q, k, v = (m(h).view(B, T, self.H, Dh).transpose(1, 2) for m in (self.q, self.k, self.v))
        a = torch.softmax((q * Dh ** -0.5) @ k.transpose(-1, -2), dim=-1) @ v
        x = x + self.o(a.transpose(1, 2).reshape(B, T, C))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class ConvStemViT(nn.Module):
    def __init__(self, image_size=224, stem=(32, 64, 128, 256), width=256, layers=6, heads=8, mlp=1024, proj=256):
        super().__init__()
        self.cfg = dict(image_size=image_size, patch_size=2 ** len(stem), width=width, layers=layers,
                        heads=heads, mlp_size=mlp, projection_dim=proj, activation="gelu",
                        layer_norm_eps=1e-5, stem={"type": "conv", "channels": list(stem)})
        convs, cin = [], 3
        for cout in stem:
            convs += [nn.Conv2d(cin, cout, 3, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
            cin = cout
        self.stem = nn.Sequential(*convs)
        self.patch = nn.Conv2d(cin, width, 1)
        G = image_size // 2 ** len(stem)
        self.cls = nn.Parameter(torch.randn(width) * 0.02)
        self.pos = nn.Parameter(torch.randn(G * G + 1, width) * 0.02)
        self.pre_ln = nn.LayerNorm(width)
        self.blocks = nn.ModuleList(Block(width, heads, mlp) for _ in range(layers))
        self.post_ln = nn.LayerNorm(width)
        self.proj = nn.Linear(width, proj, bias=False)

    def forward(self, x, taps=None):
        """The projected embedding.  taps, a dict, if given receives the
        features at each depth (for probes, generalisation.py --probes): the
        stem's channel means and standard deviations, and after each block the
        class token and the mean of the patch tokens."""
        s = self.stem(x)
        if taps is not None:
            taps["stem"] = torch.cat([s.mean((2, 3)), s.std((2, 3))], dim=1)
        x = self.patch(s).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], 1, -1), x], dim=1) + self.pos
        x = self.pre_ln(x)
        for l, b in enumerate(self.blocks):
            x = b(x)
            if taps is not None:
                taps[f"block {l} class token"] = x[:, 0]
                taps[f"block {l} patch mean"] = x[:, 1:].mean(1)
        return self.proj(self.post_ln(x[:, 0]))

    @classmethod
    def from_checkpoint(cls, ck):
        """The network of a train.py checkpoint, weights loaded, in eval mode."""
        cfg = ck["cfg"]
        net = cls(image_size=cfg["image_size"], stem=cfg["stem"]["channels"], width=cfg["width"],
                  layers=cfg["layers"], heads=cfg["heads"], mlp=cfg["mlp_size"], proj=cfg["projection_dim"])
        net.load_state_dict(ck["model"])
        return net.eval()

    @torch.no_grad()
    def export_tensors(self):
        """HF-named float32 numpy tensors with batch norm folded in."""
        vm = "vision_model"
        t = {}
        convs = [m for m in self.stem if isinstance(m, nn.Conv2d)]
        bns = [m for m in self.stem if isinstance(m, nn.BatchNorm2d)]
        for i, (c, bn) in enumerate(zip(convs, bns)):
            s = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            t[f"{vm}.embeddings.stem.{i}.weight"] = c.weight * s[:, None, None, None]
            t[f"{vm}.embeddings.stem.{i}.bias"] = bn.bias - bn.running_mean * s
        t[f"{vm}.embeddings.patch_embedding.weight"] = self.patch.weight
        t[f"{vm}.embeddings.patch_embedding.bias"] = self.patch.bias
        t[f"{vm}.embeddings.class_embedding"] = self.cls
        t[f"{vm}.embeddings.position_embedding.weight"] = self.pos
        t[f"{vm}.pre_layrnorm.weight"], t[f"{vm}.pre_layrnorm.bias"] = self.pre_ln.weight, self.pre_ln.bias
        t[f"{vm}.post_layernorm.weight"], t[f"{vm}.post_layernorm.bias"] = self.post_ln.weight, self.post_ln.bias
        for l, b in enumerate(self.blocks):
            p = f"{vm}.encoder.layers.{l}"
            for name, m in (("layer_norm1", b.ln1), ("layer_norm2", b.ln2), ("self_attn.q_proj", b.q),
                            ("self_attn.k_proj", b.k), ("self_attn.v_proj", b.v), ("self_attn.out_proj", b.o),
                            ("mlp.fc1", b.fc1), ("mlp.fc2", b.fc2)):
                t[f"{p}.{name}.weight"], t[f"{p}.{name}.bias"] = m.weight, m.bias
        t["visual_projection.weight"] = self.proj.weight
        return {k: v.detach().float().cpu().numpy().copy() for k, v in t.items()}


def head_tensors(ts, txt, tau):
    """The head's tensors from the text space (train.py's text.pkl state) at temperature tau,
    in the order head_scores takes them."""
    import numpy as np
    return (torch.from_numpy(ts.mu.astype(np.float32)), torch.from_numpy(ts.sigma.astype(np.float32)),
            torch.from_numpy(ts.pca.components_.astype(np.float32)), torch.from_numpy(txt["protos"]),
            torch.from_numpy(txt["proto_scores"]), tau)


def head_scores(x_img, mu, sigma, P, protos, proto_scores, tau):
    """The RALI head in torch (differentiable): returns (score, pca-normalised x)."""
    z = ((x_img - mu) / sigma.abs()) @ P.T
    z = F.normalize(z, dim=-1)
    s = z @ F.normalize(protos, dim=-1).T
    return torch.softmax(s / tau, dim=-1) @ proto_scores, z
