"""``python -m probe.cli``: the ``streamprobe`` command."""

from probe.cli import main

main()
