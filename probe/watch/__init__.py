"""``streamprobe watch``: watch live streams for hours (timeline rows, window reports, metrics)."""
