"""What every command gets from the CLI: settings, the dataset path, ``as_of`` and output helpers."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from tracker.dataset import LifecycleRecord, bundled_dataset_path, load_dataset
from tracker.dates import parse_as_of, today_in
from tracker.errors import UsageError
from tracker.paths import find_config

if TYPE_CHECKING:
    from tracker.config import Settings


@dataclass
class Context:
    dataset_path: Path
    as_of: date
    verbose: bool = False
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    config_path: Path | None = None
    """The config file read, or None (defaults)."""
    _settings: Settings | None = None
    _records: list[LifecycleRecord] | None = None

    @property
    def settings(self) -> Settings:
        """Settings; the defaults are built only when a command asks (query commands rarely do)."""
        if self._settings is None:
            from tracker.config import Settings

            self._settings = Settings()
        return self._settings

    def records(self) -> list[LifecycleRecord]:
        """The validated dataset (raises DatasetError with every problem)."""
        if self._records is None:
            self._records = load_dataset(self.dataset_path)
        return self._records

    def now(self) -> datetime:
        return datetime.now(UTC)

    def generated_at(self) -> str:
        return self.now().isoformat(timespec="seconds")

    def warn(self, message: str) -> None:
        print(f"tracker: {message}", file=self.stderr)

    def write_output(self, text: str, output: str | None) -> None:
        """Data to stdout, or atomically to ``output`` (``-`` = stdout)."""
        if output and output != "-":
            from tracker.atomic import atomic_write_text, output_file

            atomic_write_text(output_file(output), text)
        else:
            self.stdout.write(text)
            self.stdout.flush()

    def use_color(self, output: str | None) -> bool:
        if output and output != "-":
            return False
        if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":  # Emacs shells, some CI
            return False
        return hasattr(self.stdout, "isatty") and self.stdout.isatty()


def make_context(args: argparse.Namespace) -> Context:
    config_arg = getattr(args, "config", None) or os.environ.get("TRACKER_CONFIG") or None
    config_path = find_config(config_arg)
    settings: Settings | None = None
    if config_path is not None:
        from tracker.config import load_settings

        settings = load_settings(config_path)
    as_of_text = getattr(args, "as_of", None) or os.environ.get("TRACKER_AS_OF") or None
    if as_of_text:
        try:
            as_of = parse_as_of(as_of_text)
        except ValueError as exc:
            raise UsageError(f"tracker: error: --as-of / TRACKER_AS_OF: {exc}") from None
    else:
        as_of = today_in(settings)
    dataset_arg = getattr(args, "dataset", None) or os.environ.get("TRACKER_DATASET") or None
    if dataset_arg:
        dataset_path = Path(dataset_arg)
    elif settings is not None and settings.dataset is not None:
        dataset_path = settings.dataset
    else:
        dataset_path = bundled_dataset_path()
    return Context(
        dataset_path=dataset_path,
        as_of=as_of,
        config_path=config_path,
        _settings=settings,
        verbose=bool(getattr(args, "verbose", False)),
    )
