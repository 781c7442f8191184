"""A WHIP publisher on GStreamer's webrtcbin (Debian's GStreamer 1.22, libnice), for the tests.

Runs under the system Python (Debian's python3-gi), not the project's: the test starts it with
``/usr/bin/python3`` and the loopback shim preloaded. It publishes a moving test picture
(``videotestsrc`` ball, VP8 or H.264 constrained baseline) and a tone (Opus), gathers every
candidate before the POST (no trickle), applies the 201 answer, prints one line per event
("answered 201", "ice connected", ...) and DELETEs the resource when stopped with SIGINT/SIGTERM
or after SECONDS. webrtcbin makes an RSA certificate, which is what this peer is here to test.

Usage: python3 whip_publisher.py URL vp8|h264 WIDTH HEIGHT FPS SECONDS
"""

import signal
import sys
import urllib.error
import urllib.parse
import urllib.request

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("GstSdp", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC

HTTP_TIMEOUT_S = 10


def say(*words: object) -> None:
    print(*words, flush=True)


def video_branch(codec: str, width: int, height: int, fps: int) -> str:
    raw = (f"videotestsrc is-live=true pattern=ball ! video/x-raw,width={width},"
           f"height={height},framerate={fps}/1 ! videoconvert ! queue")
    if codec == "h264":
        return (f"{raw} ! x264enc tune=zerolatency speed-preset=veryfast bitrate=1500 "
                f"key-int-max={2 * fps} ! video/x-h264,profile=constrained-baseline ! "
                "rtph264pay pt=96 config-interval=-1 ! "
                "application/x-rtp,media=video,encoding-name=H264,payload=96")
    return (f"{raw} ! vp8enc deadline=1 target-bitrate=1500000 keyframe-max-dist={2 * fps} ! "
            "rtpvp8pay pt=96 ! application/x-rtp,media=video,encoding-name=VP8,payload=96")


def main(url: str, codec: str, width: int, height: int, fps: int, seconds: float) -> int:
    Gst.init(None)
    pipeline = Gst.parse_launch(
        "webrtcbin name=send bundle-policy=max-bundle "
        f"{video_branch(codec, width, height, fps)} ! queue ! send. "
        "audiotestsrc is-live=true wave=sine freq=440 volume=0.3 ! audioconvert ! audioresample "
        "! queue ! opusenc ! rtpopuspay pt=111 ! "
        "application/x-rtp,media=audio,encoding-name=OPUS,payload=111 ! queue ! send.")
    webrtc = pipeline.get_by_name("send")
    loop = GLib.MainLoop()
    state = {"resource": None, "status": 0}

    def post_offer() -> bool:
        offer = webrtc.get_property("local-description").sdp.as_text()
        request = urllib.request.Request(url, data=offer.encode(), method="POST",
                                         headers={"Content-Type": "application/sdp"})
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
                status, answer = response.status, response.read().decode()
                location = response.headers.get("Location")
        except (urllib.error.URLError, OSError) as err:
            say("post failed", err)
            state["status"] = 1
            loop.quit()
            return False
        say("answered", status)
        state["resource"] = urllib.parse.urljoin(url, location) if location else None
        _, message = GstSdp.SDPMessage.new_from_text(answer)
        description = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER,
                                                              message)
        webrtc.emit("set-remote-description", description, None)
        return False

    def on_gathering(element: Gst.Element, _spec: object) -> None:
        if element.get_property("ice-gathering-state") == GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            GLib.idle_add(post_offer)

    def on_offer(promise: Gst.Promise, element: Gst.Element, _data: object) -> None:
        reply = promise.get_reply()
        element.emit("set-local-description", reply.get_value("offer"), None)

    def on_negotiation_needed(element: Gst.Element) -> None:
        element.emit("create-offer", None, Gst.Promise.new_with_change_func(on_offer, element, None))

    def on_ice_state(element: Gst.Element, _spec: object) -> None:
        say("ice", element.get_property("ice-connection-state").value_nick)

    def on_connection_state(element: Gst.Element, _spec: object) -> None:
        say("connection", element.get_property("connection-state").value_nick)

    def on_bus(_bus: Gst.Bus, message: Gst.Message) -> None:
        if message.type == Gst.MessageType.ERROR:
            error, _debug = message.parse_error()
            say("error", error.message)
            state["status"] = 1
            loop.quit()

    def stop(*_args: object) -> bool:
        loop.quit()
        return False

    webrtc.connect("on-negotiation-needed", on_negotiation_needed)
    webrtc.connect("notify::ice-gathering-state", on_gathering)
    webrtc.connect("notify::ice-connection-state", on_ice_state)
    webrtc.connect("notify::connection-state", on_connection_state)
    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_bus)
    for signum in (signal.SIGINT, signal.SIGTERM):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, stop)
    GLib.timeout_add(int(seconds * 1000), stop)
    pipeline.set_state(Gst.State.PLAYING)
    loop.run()
    if state["resource"]:
        try:
            with urllib.request.urlopen(urllib.request.Request(state["resource"], method="DELETE"),
                                        timeout=HTTP_TIMEOUT_S) as response:
                say("deleted", response.status)
        except (urllib.error.URLError, OSError) as err:
            say("delete failed", err)
    pipeline.set_state(Gst.State.NULL)
    return state["status"]


if __name__ == "__main__":
    target, video_codec, w, h, rate, duration = sys.argv[1:7]
    sys.exit(main(target, video_codec, int(w), int(h), int(rate), float(duration)))
