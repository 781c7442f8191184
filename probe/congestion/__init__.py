"""Transport-wide congestion control feedback, as a browser's receiver gives it.

A libwebrtc sender (and any sender using Google's send-side estimator) numbers every packet of a
transport with the transport-wide sequence number header extension and ramps its bitrate only as
far as the receiver's RTCP transport-cc feedback (RTPFB FMT=15) shows the packets arriving in
time (draft-holmer-rmcat-transport-wide-cc-extensions-01). aiortc sends REMB only, so such a
sender stays near its start rate. This package holds the protocol, with no I/O:

- ``feedback``: one feedback packet, encoded as the draft lays it out.
- ``arrivals``: the arrival of each numbered packet, kept until reported (bounded), turned into
  feedback packets.

``probe.aiortc_hooks.transport_cc`` wires it into aiortc's receivers.
"""
