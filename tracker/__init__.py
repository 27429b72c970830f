"""tracker: hypervisor end-of-support tracking (library + CLI)."""

__version__ = "0.1.0"
