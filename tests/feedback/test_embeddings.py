"""Embedding comments with the committed static model: offline, typed, stable, and semantically sane."""

from __future__ import annotations

import hashlib
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import numpy as np
import pytest

from careloop.feedback import embeddings
from careloop.feedback.embeddings import EmbeddingModelMissing, embed, load_embedding_model, load_static_model

ROOT = Path(__file__).resolve().parents[2]
PROVENANCE_ROW = re.compile(r"^\| `(?P<name>[^`]+)` \| (?P<size>[\d,]+) \| `(?P<sha256>[0-9a-f]{64})` \|$", re.MULTILINE)


class NetworkAttempted(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every way out of the machine raises (and is recorded), so a hidden download fails the test."""
    attempts: list[str] = []

    def refuse(*args: object, **kwargs: object) -> NoReturn:
        attempts.append(repr(args[:2]))
        raise NetworkAttempted(f"network access attempted: {args[:2]!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts


@pytest.fixture
def fresh_model_cache() -> Iterator[None]:
    load_embedding_model.cache_clear()
    yield
    load_embedding_model.cache_clear()


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_it_loads_and_embeds_without_touching_the_network(no_network: list[str], fresh_model_cache: None) -> None:
    vectors = embed(["The receptionist was rude to my mother.", "Parking was easy."])
    assert vectors.shape == (2, 256)
    assert no_network == []


def test_it_proves_the_network_guard_works(no_network: list[str]) -> None:
    # Without this, a guard that patched the wrong function would let the test above pass vacuously.
    with pytest.raises(NetworkAttempted):
        socket.create_connection(("example.org", 443))
    assert len(no_network) == 1


def test_it_refuses_an_incomplete_model_folder_instead_of_downloading(tmp_path: Path, no_network: list[str]) -> None:
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(EmbeddingModelMissing, match=r"lacks model\.safetensors, tokenizer\.json: reinstall careloop"):
        load_static_model(tmp_path)
    with pytest.raises(EmbeddingModelMissing, match="lacks model.safetensors, tokenizer.json, config.json"):
        load_static_model(tmp_path / "no-such-folder")
    assert no_network == []


def test_it_returns_one_unit_length_float32_row_per_text_in_order() -> None:
    texts = ["Waited forty minutes past my appointment.", "Lovely nurse.", "Billing sent me the wrong invoice."]
    vectors = embed(texts)
    assert vectors.dtype == np.float32
    assert vectors.shape == (3, 256)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    np.testing.assert_array_equal(vectors[1], embed(["Lovely nurse."])[0])


def test_it_gives_empty_texts_a_zero_row_and_empty_input_an_empty_matrix() -> None:
    vectors = embed(["", "Kind staff."])
    assert vectors.shape == (2, 256)
    assert not vectors[0].any()
    assert vectors[1].any()
    assert embed([]).shape == (0, 256)


def test_it_rejects_a_bare_string() -> None:
    with pytest.raises(TypeError, match="wrap a single comment in a list"):
        embed("The doctor listened.")


def test_it_is_deterministic_across_calls_and_reloads(fresh_model_cache: None) -> None:
    texts = ["The phone rang for ages before anyone answered.", "Clean waiting room."]
    first = embed(texts)
    np.testing.assert_array_equal(first, embed(texts))
    load_embedding_model.cache_clear()
    np.testing.assert_array_equal(first, embed(texts))


def test_it_loads_the_model_once_per_process() -> None:
    assert load_embedding_model() is load_embedding_model()


@pytest.mark.parametrize(
    ("anchor", "near", "far"),
    [
        ("the receptionist was rude", "front desk staff were impolite", "the parking lot was full"),
        ("I waited two hours past my appointment time", "the delay in the waiting room was very long",
         "the doctor explained my results clearly"),
        ("my bill had charges I did not expect", "the invoice was wrong and too expensive",
         "the nurse was gentle when taking blood"),
    ],
)
def test_it_places_comments_about_the_same_thing_closer_together(anchor: str, near: str, far: str) -> None:
    a, n, f = embed([anchor, near, far])
    assert cosine(a, n) > cosine(a, f)


def test_it_ships_the_artifact_whose_sums_provenance_records() -> None:
    provenance = (embeddings.MODEL_DIR / "PROVENANCE.md").read_text(encoding="utf-8")
    rows = {m["name"]: m for m in PROVENANCE_ROW.finditer(provenance)}
    assert {"model.safetensors", "tokenizer.json", "config.json", "LICENSE", "NOTICE"} <= set(rows)
    for name, row in rows.items():
        content = (embeddings.MODEL_DIR / name).read_bytes()
        assert len(content) == int(row["size"].replace(",", "")), name
        assert hashlib.sha256(content).hexdigest() == row["sha256"], name


def test_it_keeps_the_artifact_small_and_apache_licensed() -> None:
    assert (embeddings.MODEL_DIR / "model.safetensors").stat().st_size < 20_000_000
    assert "Apache License" in (embeddings.MODEL_DIR / "LICENSE").read_text(encoding="utf-8")
    assert "all-MiniLM-L6-v2" in (embeddings.MODEL_DIR / "NOTICE").read_text(encoding="utf-8")


def test_it_embeds_without_importing_torch_or_transformers() -> None:
    # In a fresh interpreter: this test process may have imported anything by now.
    program = (
        "import sys\n"
        "from careloop.feedback.embeddings import embed\n"
        "embed(['The receptionist was rude.'])\n"
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stderr
