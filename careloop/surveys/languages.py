"""The languages of the answer pages: their wording files, and which language a page is shown in.

Page wording lives in careloop/surveys/wording/<code>.yaml and instrument texts in each instrument file,
so a practice adds a language by adding text files, with no code and no compile step
(docs/surveys.md, "Adding a language").
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

WORDING_DIR = Path(__file__).resolve().with_name("wording")
FALLBACK_LANGUAGE = "en"


@functools.cache
def available_languages() -> tuple[str, ...]:
    """Languages with a wording file, English first."""
    codes = sorted(path.stem for path in WORDING_DIR.glob("*.yaml"))
    return tuple(sorted(codes, key=lambda code: code != FALLBACK_LANGUAGE))


@functools.cache
def wording(language: str) -> dict[str, Any]:
    """The page wording in one language; a word missing there falls back to English."""
    english = _read(FALLBACK_LANGUAGE)
    if language == FALLBACK_LANGUAGE or language not in available_languages():
        return english
    own = _read(language)
    scales = {name: {**options, **own.get("scales", {}).get(name, {})} for name, options in english["scales"].items()}
    return {**english, **own, "scales": scales}


def _read(language: str) -> dict[str, Any]:
    data = yaml.safe_load((WORDING_DIR / f"{language}.yaml").read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"careloop/surveys/wording/{language}.yaml must hold `key: text` lines")
    return data


def missing_words(language: str) -> list[str]:
    """Keys of en.yaml (including scale answers) that the language's own file does not translate."""
    english, own = _read(FALLBACK_LANGUAGE), _read(language)
    missing = [key for key in english if key != "scales" and not own.get(key)]
    for scale, options in english["scales"].items():
        missing += [f"scales.{scale}.{code}" for code in options if not own.get("scales", {}).get(scale, {}).get(code)]
    return missing


def choose_language(asked: str | None, preferred: str, accept_language: str, offered: list[str]) -> str:
    """The page's language: one asked for in the link (?lang=es), else the patient's known preference
    (from the invitation or the response in progress), else the browser's Accept-Language, else English."""
    for candidate in (asked or "", preferred):
        code = candidate.strip().lower()
        if code in offered:
            return code
    for code in _accepted(accept_language):
        if code in offered:
            return code
    return FALLBACK_LANGUAGE if FALLBACK_LANGUAGE in offered else offered[0]


def _accepted(header: str) -> list[str]:
    """Primary language codes from an Accept-Language header, most wanted first (RFC 9110 §12.5.4)."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        if not tag or tag == "*":
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if quality > 0:
            weighted.append((-quality, position, tag.split("-")[0].lower()))
    return [code for _, _, code in sorted(weighted)]
