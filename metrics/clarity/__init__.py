"""No-reference clarity: picture and bitstream features, effective height, a VMAF estimate.

``ClarityMeter`` (``meter``) is the streaming entry point; ``picture``, ``height`` and
``bitstream`` hold the features, ``model`` and ``fitted`` the model, ``display`` the displays
a score is judged for.
"""

from metrics.clarity.bitstream import FrameCoding
from metrics.clarity.display import DEFAULT_DISPLAY, DISPLAYS, Display, display_named
from metrics.clarity.meter import ClarityMeter, score_from_vmaf

__all__ = ["DEFAULT_DISPLAY", "DISPLAYS", "ClarityMeter", "Display", "FrameCoding",
           "display_named", "score_from_vmaf"]
