from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.context import Context


def add_arguments(p: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, ctx: Context) -> int:
    import json

    from tracker.config import redacted

    data = redacted(ctx.settings)
    data["effective_dataset"] = str(ctx.dataset_path)
    data["as_of"] = ctx.as_of.isoformat()
    print(json.dumps(data, indent=2))
    return 0
