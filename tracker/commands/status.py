from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from tracker.commands._query import add_filter_options, add_output_options, emit, selected_records

if TYPE_CHECKING:
    from tracker.context import Context


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_filter_options(p)
    add_output_options(p)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from tracker.queries import status_result

    records = selected_records(args, ctx)
    emit(ctx, args, status_result(records, ctx.as_of, ctx.generated_at()))
    return 0
