"""``gc_paused``: no cyclic garbage collection while a large acyclic structure is built.

Reading a 10,000-row dataset or rendering its report makes a few objects per row, none in a
reference cycle; the collector's passes over them find nothing and cost a fifth of the time.
Reference counting still frees everything as usual, and the previous state comes back after.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
