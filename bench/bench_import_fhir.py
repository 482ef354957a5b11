"""Benchmark of `careloop import fhir` (goal in DESIGN.md: FHIR NDJSON at ≥ 100,000 resources/s parsed).

Writes a synthetic Bulk Data export (one file per type, with its manifest): per visit an Appointment,
an Encounter with statusHistory and location periods, and for some visits a referral (ServiceRequest +
Task) and a patient message with a reply, each with the meta and identifier a real export carries.
Then measures in one run:

- parse: every line through orjson and the line checks (fhir_reader), nothing else;
- parse + map: the same plus reading the fields used and joining them into rows (pass 1 and pass 2);
- full model validation: the same resources through fhir.resources' pydantic models (R4B), on a sample,
  which is what "about 40× faster with direct field access" is measured against (skipped if the test
  extra is not installed);
- import: `import_fhir` into a fresh SQLite workspace, and a second time (everything unchanged).

    .venv/bin/python bench/bench_import_fhir.py [--visits 100000]

The figures come last, as one JSON object on one line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

START = datetime(2024, 1, 2, 13, 0, tzinfo=UTC)


def instant(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(i: int) -> dict[str, Any]:
    return {"meta": {"versionId": "1", "lastUpdated": "2024-06-01T00:00:00Z"},
            "identifier": [{"system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.798268", "value": f"{i:09d}"}]}


def ref(target: str) -> dict[str, str]:
    return {"reference": target}


def visit_resources(i: int) -> dict[str, list[dict[str, Any]]]:
    start = START + timedelta(minutes=20 * i)
    patient = f"p{i % 5000}"

    def period(a: int, b: int) -> dict[str, str]:
        return {"start": instant(start + timedelta(minutes=a)), "end": instant(start + timedelta(minutes=b))}

    out: dict[str, list[dict[str, Any]]] = {
        "Appointment": [{"resourceType": "Appointment", "id": f"a{i}", **meta(i), "status": "fulfilled",
                         "appointmentType": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0276", "code": "ROUTINE"}]},
                         "created": instant(start - timedelta(days=9)), "start": instant(start),
                         "end": instant(start + timedelta(minutes=20)), "minutesDuration": 20,
                         "participant": [{"actor": ref(f"Patient/{patient}"), "status": "accepted"},
                                         {"actor": ref("Practitioner/dr-okafor"), "status": "accepted"},
                                         {"actor": ref("Location/main-street"), "status": "accepted"}]}],
        "Encounter": [{"resourceType": "Encounter", "id": f"e{i}", **meta(i), "status": "finished",
                       "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
                       "subject": ref(f"Patient/{patient}"), "appointment": [ref(f"Appointment/a{i}")],
                       "period": period(-6, 41),
                       "statusHistory": [{"status": "arrived", "period": period(-6, 4)},
                                         {"status": "triaged", "period": period(4, 12)},
                                         {"status": "in-progress", "period": period(12, 35)}],
                       "location": [{"location": ref("Location/exam-2"),
                                     "physicalType": {"coding": [{"code": "ro"}]}, "period": period(4, 35)}]}],
    }
    if i % 5 == 0:
        out["ServiceRequest"] = [{"resourceType": "ServiceRequest", "id": f"s{i}", **meta(i), "status": "active",
                                  "intent": "order", "subject": ref(f"Patient/{patient}"),
                                  "category": [{"coding": [{"system": "http://snomed.info/sct", "code": "3457005"}]}],
                                  "performerType": {"text": "Cardiology"}, "encounter": ref(f"Encounter/e{i}"),
                                  "authoredOn": instant(start + timedelta(minutes=30))}]
        out["Task"] = [{"resourceType": "Task", "id": f"t{i}", **meta(i), "status": "completed", "intent": "order",
                        "basedOn": [ref(f"ServiceRequest/s{i}")],
                        "executionPeriod": period(60 * 24 * 7, 60 * 24 * 9)}]
    if i % 3 == 0:
        out["Communication"] = [
            {"resourceType": "Communication", "id": f"m{i}", **meta(i), "status": "completed",
             "sender": ref(f"Patient/{patient}"), "sent": instant(start + timedelta(days=1))},
            {"resourceType": "Communication", "id": f"r{i}", **meta(i), "status": "completed",
             "sender": ref("Practitioner/dr-okafor"), "inResponseTo": [ref(f"Communication/m{i}")],
             "sent": instant(start + timedelta(days=1, hours=3))},
        ]
    return out


def write_export(folder: Path, visits: int) -> int:
    handles = {}
    count = 0
    for i in range(visits):
        for kind, items in visit_resources(i).items():
            if kind not in handles:
                handles[kind] = (folder / f"{kind}.ndjson").open("wb")
            for item in items:
                handles[kind].write(orjson.dumps(item) + b"\n")
                count += 1
    for handle in handles.values():
        handle.close()
    manifest = {"transactionTime": "2024-06-01T00:00:00Z", "request": "https://ehr.example/$export",
                "output": [{"type": kind, "url": f"https://ehr.example/out/{kind}.ndjson"} for kind in handles]}
    (folder / "manifest.json").write_bytes(orjson.dumps(manifest))
    return count


def full_validation_rate(folder: Path, sample: int) -> float | None:
    try:
        import importlib

        models = {kind: getattr(importlib.import_module(f"fhir.resources.R4B.{kind.lower()}"), kind)
                  for kind in ("Appointment", "Encounter", "ServiceRequest", "Task", "Communication")}
    except ImportError:
        return None
    lines = []
    for kind in models:
        with (folder / f"{kind}.ndjson").open("rb") as handle:
            lines += [(kind, line) for _, line in zip(range(sample // len(models)), handle)]
    clock = time.perf_counter()
    for kind, line in lines:
        models[kind].model_validate_json(line)
    return len(lines) / (time.perf_counter() - clock)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, default=100_000)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="careloop-bench-fhir-"))
    export = home / "export"
    export.mkdir()
    resources = write_export(export, args.visits)
    size = sum(f.stat().st_size for f in export.glob("*.ndjson"))
    print(f"{resources:,} resources, {size / 1e6:,.0f} MB in {export}", file=sys.stderr)
    os.environ["CARELOOP_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careloop.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from careloop.events.importing.fhir_fields import Where
    from careloop.events.importing.fhir_importer import import_fhir
    from careloop.events.importing.fhir_mapping import Collector
    from careloop.events.importing.fhir_reader import BadLine, LineReader, find_sources

    call_command("migrate", verbosity=0)
    source = find_sources(export)

    clock = time.perf_counter()
    parsed = sum(1 for f in source.files for _, item in LineReader(f) if not isinstance(item, BadLine))
    parse_seconds = time.perf_counter() - clock

    clock = time.perf_counter()
    collector = Collector()
    for f in source.files:
        for number, item in LineReader(f):
            if not isinstance(item, BadLine):
                collector.add(item, Where(f.name, number))
    rows = collector.rows()
    map_seconds = time.perf_counter() - clock

    validation = full_validation_rate(export, 5000)

    first = import_fhir(export)
    second = import_fhir(export)
    assert parsed == resources and first.rejected == 0, first.problems[:5]
    figures = {
        "resources": resources,
        "megabytes": round(size / 1e6, 1),
        "rows": len(rows),
        "parse_resources_per_s": round(parsed / parse_seconds),
        "parse_and_map_resources_per_s": round(resources / map_seconds),
        "full_model_validation_resources_per_s": round(validation) if validation else None,
        "parse_vs_full_validation": round(parsed / parse_seconds / validation, 1) if validation else None,
        "parse_and_map_vs_full_validation": round(resources / map_seconds / validation, 1) if validation else None,
        "first_import_resources_per_s": round(first.resources_per_second),
        "first_import_inserted": sum(t.inserted for t in first.tables.values()),
        "second_import_resources_per_s": round(second.resources_per_second),
        "second_import_unchanged": sum(t.unchanged for t in second.tables.values()),
        "goal_parse_resources_per_s": 100_000,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
