"""The trained document-type model as the product finds it: ``SOHOA_MODELS/textcat-current``
names the folder of the model ``sohoa train`` (``python -m classifiers.train``) last made.

The product only loads; it never trains (training reads the sample generator, which the
product does not import). A missing model is a clear error that says what to run.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.model import SohoaError

CURRENT = "textcat-current"


class ModelMissing(SohoaError):
    code = "model_missing"


def load(models_dir: str | Path | None):
    import spacy

    folder = Path(models_dir) if models_dir else None
    pointer = folder / CURRENT if folder else None
    if pointer is None or not pointer.is_file():
        raise ModelMissing(f"no trained document-type model in {folder}: run `sohoa train` "
                           f"(scripts/setup.sh does) or set SOHOA_MODELS")
    path = folder / pointer.read_text().strip()
    if not (path / "meta.json").exists():
        raise ModelMissing(f"the document-type model {path} is incomplete: run `sohoa train`")
    return spacy.load(path)


def publish(models_dir: str | Path, name: str) -> None:
    """Make ``models_dir/name`` the model the product loads (atomically)."""
    pointer = Path(models_dir) / CURRENT
    tmp = pointer.with_name(f".{CURRENT}.{os.getpid()}")
    tmp.write_text(name + "\n")
    os.replace(tmp, pointer)
