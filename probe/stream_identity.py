"""What a report or timeline row says about which stream it measured and when (added keys).

``stream_id`` is what viewer sessions call the stream (their ``stream_id`` column), so that
``streamprobe retention --quality`` can join the two; ``started_at`` places ``t_s`` 0 on the
wall clock (UTC, ISO 8601).
"""

from __future__ import annotations

import datetime
from urllib.parse import parse_qs, urlsplit


def stream_id_of(url: str) -> str:
    """The stream a URL names: the last path segment (``/whep/show-42`` is ``show-42``; a Janus
    ``janus://host/1234?feed=7`` is ``1234-7``), else the host and port."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    name = segments[-1] if segments else parts.netloc
    feed = parse_qs(parts.query).get("feed")
    return f"{name}-{feed[0]}" if feed and parts.scheme.startswith("janus") else name


def utc_iso(epoch_s: float) -> str:
    """``epoch_s`` (UTC epoch seconds) as ISO 8601 with milliseconds and a ``Z``."""
    moment = datetime.datetime.fromtimestamp(epoch_s, tz=datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
