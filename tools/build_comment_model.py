"""Rebuild careloop's shipped default comment model (careloop/feedback/default_model/) from the seed set.

    .venv/bin/python tools/build_comment_model.py

Trains on careloop/feedback/seed_examples.yaml only (hand-written, English and Spanish; never the NHS
data, whose README forbids shipping it in the product or its default model) and the committed
embedding model. Deterministic: the same seed file gives the same arrays
(tests/feedback/test_train_default_model.py checks the committed files against a rebuild).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careloop.settings")


def main() -> int:
    import django

    django.setup()
    from careloop.feedback.model_store import SHIPPED_MODEL_DIR, save_model
    from careloop.feedback.training import build_default_model

    model = build_default_model()
    folder = save_model(model, SHIPPED_MODEL_DIR)
    size = sum(path.stat().st_size for path in folder.iterdir())
    print(f"Wrote {folder} ({size / 1024:.0f} KiB): {model.about['comments']} seed comments, "
          f"{len(model.themes.labels)} themes, {model.features.width:,} TF-IDF terms.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
