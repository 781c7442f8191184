"""The impairment spec: ``loss=5%,burst=3,delay=80ms,jitter=20ms,rate=1500kbit,outage=2s@5s``.

Fields (any subset, comma-separated; ``outage`` may repeat):

- ``loss=P%``: packet loss probability; ``burst=N``: mean loss-burst length in packets
  (Gilbert–Elliott two-state model; 1 = independent losses).
- ``delay=Dms``: one-way delay added to every packet; ``jitter=Jms``: uniform extra delay in
  [0, J] per packet (packets still leave in order, as on one path).
- ``rate=Rkbit`` (or ``Rmbit``): bottleneck rate; packets queue behind it, and a packet that would
  wait longer than ``RATE_QUEUE_LIMIT_MS`` is dropped (tail drop).
- ``outage=Ds@Ts``: nothing gets through for D seconds starting T seconds after the link starts.
- ``seed=N``: the random seed (default 1), so a run is reproducible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DEFAULT_SEED = 1
RATE_QUEUE_LIMIT_MS = 500.0

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)$")
_RATE = re.compile(r"^(\d+(?:\.\d+)?)(kbit|mbit)$")
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%$")


class ImpairSpecError(ValueError):
    """A spec that cannot be used; the message names the bad field and the expected form."""


@dataclass(frozen=True)
class Outage:
    start_s: float
    duration_s: float


@dataclass(frozen=True)
class ImpairSpec:
    """A parsed impairment: loss (0–1), burst (packets), delay/jitter (ms), rate (kbps), outages."""

    loss: float = 0.0
    burst: float = 1.0
    delay_ms: float = 0.0
    jitter_ms: float = 0.0
    rate_kbps: float | None = None
    outages: tuple[Outage, ...] = field(default_factory=tuple)
    seed: int = DEFAULT_SEED
    text: str = ""

    @property
    def is_clean(self) -> bool:
        return (self.loss == 0 and self.delay_ms == 0 and self.jitter_ms == 0
                and self.rate_kbps is None and not self.outages)


def _ms(name: str, value: str) -> float:
    match = _DURATION.match(value)
    if not match:
        raise ImpairSpecError(f"impair field {name}={value!r}: expected a duration like 80ms or 2s")
    number = float(match.group(1))
    return number if match.group(2) == "ms" else number * 1000.0


def parse_impair_spec(text: str) -> ImpairSpec:
    """Parse a spec string; raises ``ImpairSpecError`` naming the first bad field."""
    values: dict[str, object] = {"outages": []}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, sep, value = item.partition("=")
        if not sep:
            raise ImpairSpecError(f"impair field {item!r}: expected name=value")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "loss":
            match = _PERCENT.match(value)
            if not match or float(match.group(1)) > 100:
                raise ImpairSpecError(f"impair field loss={value!r}: expected a percentage "
                                      "from 0% to 100%")
            values["loss"] = float(match.group(1)) / 100.0
        elif name == "burst":
            try:
                burst = float(value)
            except ValueError:
                burst = 0.0
            if burst < 1:
                raise ImpairSpecError(f"impair field burst={value!r}: expected a mean burst "
                                      "length of at least 1 packet")
            values["burst"] = burst
        elif name in ("delay", "jitter"):
            values[f"{name}_ms"] = _ms(name, value)
        elif name == "rate":
            match = _RATE.match(value)
            if not match or float(match.group(1)) <= 0:
                raise ImpairSpecError(f"impair field rate={value!r}: expected e.g. 1500kbit "
                                      "or 2mbit")
            scale = 1000.0 if match.group(2) == "mbit" else 1.0
            values["rate_kbps"] = float(match.group(1)) * scale
        elif name == "outage":
            duration, at, start = value.partition("@")
            if not at:
                raise ImpairSpecError(f"impair field outage={value!r}: expected DURATION@START, "
                                      "e.g. 2s@5s")
            values["outages"].append(Outage(start_s=_ms("outage", start) / 1000.0,  # type: ignore[union-attr]
                                            duration_s=_ms("outage", duration) / 1000.0))
        elif name == "seed":
            if not value.isdigit():
                raise ImpairSpecError(f"impair field seed={value!r}: expected a whole number")
            values["seed"] = int(value)
        else:
            raise ImpairSpecError(f"impair field {name!r} is unknown; known: loss, burst, delay, "
                                  "jitter, rate, outage, seed")
    values["outages"] = tuple(sorted(values["outages"], key=lambda o: o.start_s))  # type: ignore[arg-type]
    return ImpairSpec(text=text, **values)  # type: ignore[arg-type]
