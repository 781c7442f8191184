"""``streamprobe compare``: encode or publish each setting of a grid, score it, cache it.

``grid`` reads GRID.toml, ``source`` gives the clip's frames (a file, looped, or the stamped
pattern), ``offline`` encodes and scores without the network, ``live`` publishes through the
test room and watches with the probe, ``cache`` keeps each run so an interrupted compare resumes,
``runner`` crosses it all. The scoring across runs is ``metrics.compare``.
"""
