"""A small labelled CSV of comments written for the tests, in the layouts `careloop feedback` reads.

Label names carry commas and ampersands as real ones do ("Cost, billing & insurance"), and a few texts
repeat (with different case and punctuation) so de-duplication has something to do.
"""

from __future__ import annotations

import csv
from pathlib import Path

BILLING = "Cost, billing & insurance"
STAFF = "Staff attitude"
WAITING = "Timeliness and waiting"

TEMPLATES = {
    BILLING: [
        "I was billed twice for the visit {n}", "the invoice {n} had charges I did not understand",
        "insurance should have covered the bill {n}", "billing overcharged me again, statement {n}",
        "my copay was wrong on bill {n}",
    ],
    STAFF: [
        "the receptionist was rude to me on visit {n}", "the nurse was kind and caring, visit {n}",
        "friendly helpful staff at visit {n}", "the front desk was dismissive on day {n}",
        "lovely polite team on day {n}",
    ],
    WAITING: [
        "I waited {n} minutes past my appointment", "the doctor was {n} minutes late",
        "a long wait of {n} minutes in the waiting room", "sat waiting for {n} minutes before being seen",
        "the delay was {n} minutes again",
    ],
}


def labelled_rows(per_label: int = 20) -> list[tuple[str, list[str]]]:
    rows: list[tuple[str, list[str]]] = []
    for label, templates in TEMPLATES.items():
        for n in range(per_label):
            rows.append((templates[n % len(templates)].format(n=n + 10), [label]))
    rows.append(("Waited 40 minutes and then got billed twice", [WAITING, BILLING]))
    rows.append(("waited 40 minutes, and then got BILLED twice!", [WAITING, BILLING]))
    return rows


def write_label_column_csv(path: Path, rows: list[tuple[str, list[str]]] | None = None) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["comment", "labels", "site"])
        for text, labels in rows if rows is not None else labelled_rows():
            writer.writerow([text, ";".join(labels), "main"])
    return path


def write_indicator_csv(path: Path, extra_columns: dict[str, list[str]] | None = None) -> Path:
    rows = labelled_rows()
    labels = list(TEMPLATES)
    extra = extra_columns or {}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["comment", *labels, *extra])
        for index, (text, row_labels) in enumerate(rows):
            writer.writerow([text, *("1" if label in row_labels else "0" for label in labels),
                             *(values[index] for values in extra.values())])
    return path
