"""The gate in front of every aiortc/aioice hook: what each relies on, and whether it took hold.

aiortc has no public API for what a probe must see or change (bytes received, the jitter
buffer's release rule, sender reports, the ICE sockets), so the hooks reach into private names.
Each hook declares the private names it relies on (``Internal``); ``gate_problems`` checks them
all against the installed aiortc and aioice without opening a connection (a test fails when any
is missing), and ``HookLog`` records a hook that did not take hold on a live object, so that the
report says which figures it changed instead of going silently wrong.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import types
from dataclasses import dataclass
from typing import Any, Literal

# The versions the whole suite passes on (pyproject.toml pins the same range): [low, high).
SUPPORTED_VERSIONS = {"aiortc": ((1, 16), (1, 17)), "aioice": ((0, 13), (0, 14))}


@dataclass(frozen=True)
class Internal:
    """One private name a hook relies on.

    ``how``: "attribute", the name is an attribute of ``owner`` (a module, class or function
    path); "field", ``owner.__init__`` assigns it (an instance attribute); "called", the code of
    ``owner`` (a function or method) looks it up, so replacing it changes what that code does.
    """

    owner: str
    name: str
    how: Literal["attribute", "field", "called"] = "attribute"

    def __str__(self) -> str:
        return f"{self.owner}.{self.name}" if self.how != "called" else \
            f"{self.owner} calling {self.name}"

    def present(self) -> bool:
        """Whether the installed aiortc/aioice still has this name where the hook expects it."""
        try:
            owner = _resolve(self.owner)
        except (ImportError, AttributeError):
            return False
        if self.how == "attribute":
            return hasattr(owner, self.name)
        code = getattr(owner.__init__ if self.how == "field" else owner, "__code__", None)
        return code is not None and self.name in _names_in(code)


@dataclass(frozen=True)
class Hook:
    """A patch of aiortc or aioice internals: its name, what the report loses without it, and
    the private names it relies on."""

    name: str
    without_it: str
    internals: tuple[Internal, ...]

    def missing(self) -> list[Internal]:
        """The internals this hook relies on that the installed libraries lack."""
        return [internal for internal in self.internals if not internal.present()]


class HookLog:
    """Hooks that did not take hold during one run, for the report's notes."""

    def __init__(self) -> None:
        self._failed: dict[str, tuple[Hook, str]] = {}

    def require(self, hook: Hook, obj: object, *names: str) -> bool:
        """True when ``obj`` has every attribute in ``names``; else the hook is noted as failed."""
        missing = [name for name in names if not hasattr(obj, name)]
        if missing:
            self.fail(hook, f"{type(obj).__name__}.{missing[0]} is missing")
        return not missing

    def replace(self, hook: Hook, obj: object, name: str, replacement: Any) -> bool:
        """Set ``obj.name`` to ``replacement`` and check that it took hold (a slotted or
        read-only attribute would keep the original)."""
        try:
            setattr(obj, name, replacement)
        except (AttributeError, TypeError) as err:
            self.fail(hook, f"cannot replace {type(obj).__name__}.{name} ({err})")
            return False
        if getattr(obj, name, None) is not replacement:
            self.fail(hook, f"{type(obj).__name__}.{name} kept its original")
            return False
        return True

    def fail(self, hook: Hook, why: str) -> None:
        self._failed.setdefault(hook.name, (hook, why))

    @property
    def failed(self) -> list[str]:
        """Names of the hooks that did not take hold."""
        return list(self._failed)

    def notes(self) -> tuple[str, ...]:
        """One line per hook that did not take hold, naming it and what it changes."""
        return tuple(f"aiortc hook {hook.name!r} did not take hold ({why}): {hook.without_it}"
                     for hook, why in self._failed.values())


def version_problems() -> list[str]:
    """A line per library installed outside ``SUPPORTED_VERSIONS``."""
    problems = []
    for package, (low, high) in SUPPORTED_VERSIONS.items():
        try:
            text = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
        version = tuple(int(part) for part in text.split(".")[:2] if part.isdigit())
        if not low <= version < high:
            problems.append(f"{package} {text} is outside the tested range "
                            f"{_dotted(low)} to below {_dotted(high)}: the hooks into its "
                            f"internals may act differently; install {package}=={_dotted(low)}.*")
    return problems


def gate_problems(hooks: tuple[Hook, ...]) -> list[str]:
    """Every reason a hook cannot be trusted on this installation: versions out of range, and a
    line per hook naming the first internal it relies on that is missing."""
    problems = version_problems()
    for hook in hooks:
        missing = hook.missing()
        if missing:
            problems.append(f"aiortc hook {hook.name!r} cannot be installed ({missing[0]} is "
                            f"missing): {hook.without_it}")
    return problems


def _dotted(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def _resolve(path: str) -> Any:
    """The object at a dotted path such as ``aiortc.rtcrtpreceiver.RTCRtpReceiver.recv``."""
    parts = path.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for part in parts[split:]:
            obj = getattr(obj, part)
        return obj
    raise ImportError(path)


def _names_in(code: types.CodeType) -> set[str]:
    """Names a code object (and the functions defined inside it) looks up."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _names_in(constant)
    return names
