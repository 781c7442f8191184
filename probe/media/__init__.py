"""Media plumbing shared by the room and the publisher: decoded frames as arrays (``frames``),
real-time encoders (``encoders``, ``encoding``), fan-out of one encoded stream to many viewers
(``broadcast``).
"""
