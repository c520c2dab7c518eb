#!/usr/bin/python3
"""Fixtures for tests/test-analysis.c: scikit-learn's PCA and KMeans on small
data sets, written as one safetensors file per case.

    tools/make-analysis-fixture.py [OUT_DIR]   (default tests/fixtures/analysis)

Cases:
  blobs   300 x 16, 4 well-separated Gaussian blobs (make_blobs, cluster_std 1,
          centres in a ±10 box): the partition must match up to label names.
  random  500 x 32 standard normal: no structure; our inertia must be no worse
          than scikit-learn's (both run k-means++ with n_init restarts).
  unit    400 x 48 rows on the unit sphere around 3 directions, as the map's
          embeddings are.

Tensors, all float32 (what tests/testutil.c reads; scikit-learn itself runs
in float64 on the float32 data): X [N, D], mean [D], components [k, D],
explained_variance [k], explained_variance_ratio [k], projection [N, k]
(sklearn's transform), kmeans_labels [N] (small integers, exact),
kmeans_centers [K, D], kmeans_inertia [1], silhouette [1] (of kmeans_labels).  The header's __metadata__ holds k_pca, k_means, n_init
and the scikit-learn version."""

import json
import os
import struct
import sys

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score

DTYPES = {np.dtype("float32"): "F32"}


def save_safetensors(path, tensors, metadata):
    header, blobs, offset = {"__metadata__": {k: str(v) for k, v in metadata.items()}}, [], 0
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr, dtype=np.float32)
        data = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPES[arr.dtype], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def case(name, X, k_pca, k_means, out_dir, n_init=10):
    X = X.astype(np.float32)
    Xd = X.astype(np.float64)  # sklearn in double: the reference
    pca = PCA(n_components=k_pca, svd_solver="full").fit(Xd)
    km = KMeans(n_clusters=k_means, init="k-means++", n_init=n_init, random_state=0,
                algorithm="lloyd").fit(Xd)
    tensors = {
        "X": X,
        "mean": pca.mean_,
        "components": pca.components_,
        "explained_variance": pca.explained_variance_,
        "explained_variance_ratio": pca.explained_variance_ratio_,
        "projection": pca.transform(Xd),
        "kmeans_labels": km.labels_,
        "kmeans_centers": km.cluster_centers_,
        "kmeans_inertia": np.array([km.inertia_]),
        "silhouette": np.array([silhouette_score(Xd, km.labels_)]),
    }
    meta = {"case": name, "k_pca": k_pca, "k_means": k_means, "n_init": n_init,
            "sklearn": sklearn.__version__}
    path = os.path.join(out_dir, name + ".safetensors")
    save_safetensors(path, tensors, meta)
    print(f"{path}: N={X.shape[0]} D={X.shape[1]} evr={pca.explained_variance_ratio_[:3].round(4)} "
          f"inertia={km.inertia_:.6g}")


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "analysis")
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(7)

    X, _ = make_blobs(n_samples=300, n_features=16, centers=4, cluster_std=1.0,
                      center_box=(-10, 10), random_state=3)
    case("blobs", X, 5, 4, out_dir)

    case("random", rng.standard_normal((500, 32)), 8, 5, out_dir)

    dirs = rng.standard_normal((3, 48))
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    U = dirs[rng.integers(0, 3, 400)] + 0.25 * rng.standard_normal((400, 48)) / np.sqrt(48)
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    case("unit", U, 2, 3, out_dir)


if __name__ == "__main__":
    main()
