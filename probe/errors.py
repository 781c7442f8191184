"""The one exception hierarchy of streamprobe.

Every error a user can cause or meet (bad arguments, unreachable endpoint, no media) is a
``ProbeError`` carrying a one-line message that says what was wrong and what to do. The CLI maps
every ``ProbeError`` to exit code 2 (DESIGN.md: "the probe could not measure").
"""


class ProbeError(Exception):
    """Base class: the probe could not measure. ``str(err)`` is the one-line message for users."""


class InputError(ProbeError):
    """Bad arguments or input files (unreadable file, malformed spec or thresholds)."""


class SignalingError(ProbeError):
    """The signaling exchange failed: unreachable endpoint, HTTP error, answer that is not SDP."""


class MediaTimeout(ProbeError):
    """Connected, but no media (or no connection) arrived before the timeout."""


class MeasurementError(ProbeError):
    """Media arrived, but nothing trustworthy could be measured from it (analysis failed)."""
