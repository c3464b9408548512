"""The extraction contract (shared/spec/document-types.md) as the generator sees it: types,
titles, field kinds, read from the one source of types, ``extractors/schemas.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

_SCHEMAS = json.loads((Path(__file__).resolve().parent.parent / "extractors" / "schemas.json")
                      .read_text("utf-8"))
_F = dict[str, str]

# The types and fields of the one source, extractors/schemas.json (its first title is the
# printed one).
TITLES: dict[str, str] = {t: s["titles"][0] for t, s in _SCHEMAS.items()
                          if not t.startswith("_")}
FIELDS: dict[str, _F] = {**{t: {f["id"]: f["kind"] for f in _SCHEMAS[t]["fields"]}
                            for t in TITLES}, "other": {}}

DOC_TYPES: tuple[str, ...] = tuple(TITLES)
ALL_TYPES: tuple[str, ...] = (*DOC_TYPES, "other")
