"""The receiving peer: joins through a signaling adapter, receives, taps every frame (``peer``),
analyses off the event loop (``analysis_worker``), and sizes its sockets (``sockets``).
"""
