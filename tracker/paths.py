"""Where configuration and state live by default (XDG), kept apart from tracker.config so that the
query commands can find out that there is no config file without importing the config machinery."""

from __future__ import annotations

import os
from pathlib import Path

from tracker.errors import ConfigError


def user_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "tracker" / "tracker.toml"


STATE_DB = "tracker.db"
"""The state database in ``state_dir``: the alert ledger, silences and the nightly job's runs."""


def state_db_file(state_dir: Path) -> Path:
    return state_dir / STATE_DB


def default_state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "tracker"


def find_config(explicit: str | None) -> Path | None:
    """--config / TRACKER_CONFIG, else ./tracker.toml, else the user config file, else None."""
    if explicit:
        p = Path(explicit)
        if p.is_dir():
            raise ConfigError(f"{p}: is a directory; name the configuration file (tracker.toml) itself")
        if not p.is_file():
            raise ConfigError(f"{p}: configuration file not found")
        return p
    local = Path("tracker.toml")
    if local.is_file():
        return local
    user = user_config_path()
    return user if user.is_file() else None
