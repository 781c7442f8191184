"""``streamprobe analyze FILE``: a recorded stream through the live metrics (``file``), full-reference
scores against its source (``reference``, ``vmaf``).
"""
