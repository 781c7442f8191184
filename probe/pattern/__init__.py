"""The stamped test pattern: what it looks like (``spec``), its frames and audio (``render``), its live
source (``source``) and its publisher into other servers (``publisher``).
"""
