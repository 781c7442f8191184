"""Bounds on the numbers a check takes (seconds); kept light so the CLI imports it at start."""

MAX_DURATION_S = 24 * 3600.0  # one check; `watch` is for longer
MAX_TIMEOUT_S = 3600.0  # each network wait
