"""The hand-written corpus is valid FHIR: every resource passes fhir.resources' full model validation
(R4B, the R4 technical correction, except the R5-only EncounterHistory and cancellationDate). The importer
itself never builds these models (fhir_fields.py says why); this keeps the corpus honest."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

EXPORT = Path(__file__).with_name("fhir_corpus") / "export"
R5_ONLY = {"EncounterHistory"}


def resources() -> list[dict[str, Any]]:
    return [json.loads(line) for f in sorted(EXPORT.glob("*.ndjson")) for line in f.read_text().splitlines()]


def model(resource: dict[str, Any]) -> Any:
    kind = resource["resourceType"]
    r5 = kind in R5_ONLY or "cancellationDate" in resource
    module = importlib.import_module(f"fhir.resources.{'' if r5 else 'R4B.'}{kind.lower()}")
    return getattr(module, kind)


@pytest.mark.parametrize("resource", resources(), ids=lambda r: f"{r['resourceType']}/{r['id']}")
def test_it_holds_only_valid_fhir(resource: dict[str, Any]) -> None:
    parsed = model(resource).model_validate(resource)

    assert parsed.id == resource["id"]
