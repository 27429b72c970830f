from __future__ import annotations

import json

from tracker.formats import Result

SCHEMA_VERSION = 1


def render(result: Result, color: bool = False) -> str:
    doc = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": result.generated_at,
        "as_of": result.as_of,
        **result.meta,
        "items": result.items,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
