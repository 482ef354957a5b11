"""Parsed instrument definitions kept in the process, for the answer pages.

Why: every request to /s/<token>/ needs its instrument's questions. Reading the definition (a JSON
document of up to tens of kB for the CG-CAHPS visit survey) from the database and turning it into an
InstrumentSpec on every request was a large share of the answer page's cost (bench/survey_load.py).

Why it is safe: an InstrumentVersion never changes once loaded (instrument_file.py refuses different
content under a version already loaded), so a spec parsed once stays right for the life of the process.
The key is the version's primary key *and* its content hash, so a row re-created with other content
(a restored backup, a test database rolled back and reused) is parsed again, never served stale.
Publishing a new version creates a new row: new invitations point at it and get it on first use.

The cached spec is shared by every thread of the process: callers read it and never change it.
"""

from __future__ import annotations

import threading

from careloop.surveys.instrument_file import InstrumentSpec
from careloop.surveys.models import InstrumentVersion

# Far more than the instruments a practice runs at once (four ship with careloop, each with a few
# versions); the oldest entry is dropped beyond it, so memory stays bounded whatever is loaded.
MAX_ENTRIES = 64

_specs: dict[tuple[int, str], InstrumentSpec] = {}
_lock = threading.Lock()


def answer_spec(version: InstrumentVersion) -> InstrumentSpec:
    """The parsed definition of `version`. `version.definition` may be deferred: it is read from the
    database only the first time this process meets the version."""
    key = (version.pk, version.content_hash)
    spec = _specs.get(key)
    if spec is not None:
        return spec
    definition = InstrumentVersion.objects.values_list("definition", flat=True).get(pk=version.pk)
    spec = InstrumentSpec.from_dict(definition)
    with _lock:
        if len(_specs) >= MAX_ENTRIES:
            _specs.pop(next(iter(_specs)))
        _specs[key] = spec
    return spec


def cached_versions() -> int:
    """How many versions are held (for tests and operators' curiosity)."""
    return len(_specs)


def forget_all() -> None:
    with _lock:
        _specs.clear()
