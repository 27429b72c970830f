"""Moved to :mod:`tracker.vocabulary` (the one owner of tracker's words); kept only so that imports
written before the move keep working. New code imports from ``tracker.vocabulary``."""

from __future__ import annotations

from tracker.vocabulary import DEFAULT_TERMS, VENDOR_TERMS, milestone_label, milestone_term, subject_term

__all__ = ["DEFAULT_TERMS", "VENDOR_TERMS", "milestone_label", "milestone_term", "subject_term"]
