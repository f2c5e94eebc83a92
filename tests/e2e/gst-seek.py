#!/usr/bin/python3
# gst-seek.py ELEMENT PARSER CLIPFILE REF.md5 OUT.md5 [DAEMON_PID]: a
# GStreamer application's seeks through the node's v4l2 decoder ELEMENT,
# after PARSER (issue 8):
#   1. plays CLIPFILE and, after a third of its frames, seeks back to the
#      start (a flushing seek, while frames are in flight);
#   2. plays to the end (EOS: v4l2videodec drains the node);
#   3. seeks to the start again from EOS (a seek after the end) and plays
#      to the end once more;
#   4. with DAEMON_PID: when that EOS reaches the decoder, the daemon is
#      stopped (SIGSTOP), so that the drain v4l2videodec starts cannot
#      end; a flushing seek to the start during that drain, the daemon
#      goes on (SIGCONT), and the clip plays to the end a last time.
# Writes the MD5 of every frame it got (tightly packed I420, as
# framemd5.sh hashes them) to OUT.md5, and exits 0 when they are the
# reference's first frames up to the seek, then the whole reference twice
# (with DAEMON_PID: the reference's first frames up to the seek in the
# drain, then the whole reference), each bit-exact; 1 with a message
# otherwise.  Nothing waits for more than 60 s.  /usr/bin/python3:
# Debian's python3-gi.
import hashlib
import os
import signal
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

TIMEOUT_S = 60


def main():
    if len(sys.argv) not in (6, 7):
        print("usage: gst-seek.py ELEMENT PARSER CLIPFILE REF.md5 OUT.md5 [DAEMON_PID]",
              file=sys.stderr)
        return 2
    element, parse, clip, ref_path, out_path = sys.argv[1:6]
    daemon = int(sys.argv[6]) if len(sys.argv) == 7 else None
    ref = open(ref_path).read().split()
    Gst.init(None)
    demux = "ivfparse" if clip.endswith(".ivf") else "matroskademux"
    pipeline = Gst.parse_launch(
        f"filesrc location={clip} ! {demux} ! {parse} ! {element} name=dec ! videoconvert ! "
        "video/x-raw,format=I420 ! appsink name=sink sync=false emit-signals=true")
    sink = pipeline.get_by_name("sink")
    got = []
    state = {"phase": "first", "seek_at": max(1, len(ref) // 3), "error": None}
    loop = GLib.MainLoop()

    def seek(why):
        print(f"gst-seek: seeking to the start ({why}) after {len(got)} frames")
        ok = pipeline.seek_simple(Gst.Format.TIME,
                                  Gst.SeekFlags.FLUSH | Gst.SeekFlags.KEY_UNIT, 0)
        if not ok:
            state["error"] = f"the seek ({why}) failed"
            loop.quit()

    def on_sample(appsink):
        sample = appsink.emit("pull-sample")
        buf = sample.get_buffer()
        ok, info = buf.map(Gst.MapFlags.READ)
        if ok:
            got.append(hashlib.md5(info.data).hexdigest())
            buf.unmap(info)
        if state["phase"] == "first" and len(got) == state["seek_at"]:
            state["phase"] = "seeking"
            GLib.idle_add(lambda: seek("mid-stream") and False)
        return Gst.FlowReturn.OK

    def seek_in_drain():
        # the daemon goes on even if the seek never returns (the outer
        # timeout then ends this process)
        resume = threading.Timer(10, os.kill, (daemon, signal.SIGCONT))
        resume.start()
        seek("during a drain")
        os.kill(daemon, signal.SIGCONT)
        resume.cancel()
        state["phase"] = "last"
        return False

    def on_eos_probe(pad, info):
        event = info.get_event()
        if (event.type == Gst.EventType.EOS and state["phase"] == "after-eos"
                and daemon is not None):
            # v4l2videodec drains on EOS: it cannot end with the daemon
            # stopped before DEC_CMD_STOP goes out.  (GStreamer 1.22 then
            # warns "frames left undrained after CMD_STOP" when the seek's
            # flush ends the drain; 1.24 warns only after a drain that
            # ended by itself, upstream commit fca61fad4d.)
            state["phase"] = "draining"
            print(f"gst-seek: EOS after {len(got)} frames: the daemon stopped, "
                  "the decoder drains")
            os.kill(daemon, signal.SIGSTOP)
            GLib.timeout_add(700, seek_in_drain)
        return Gst.PadProbeReturn.OK

    def on_message(bus, msg):
        if msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            state["error"] = f"{err.message} ({dbg})"
            loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            if state["phase"] in ("seeking", "first"):
                state["phase"] = "after-eos"
                GLib.idle_add(lambda: seek("after the end") and False)
            else:
                loop.quit()

    def on_timeout():
        state["error"] = f"no end after {TIMEOUT_S} s ({len(got)} frames)"
        loop.quit()
        return False

    sink.connect("new-sample", on_sample)
    pipeline.get_by_name("dec").get_static_pad("sink").add_probe(
        Gst.PadProbeType.EVENT_DOWNSTREAM, on_eos_probe)
    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    GLib.timeout_add_seconds(TIMEOUT_S, on_timeout)
    pipeline.set_state(Gst.State.PLAYING)
    loop.run()
    pipeline.set_state(Gst.State.NULL)

    with open(out_path, "w") as f:
        f.write("".join(s + "\n" for s in got))
    if state["error"]:
        print(f"gst-seek: {state['error']}", file=sys.stderr)
        return 1
    n = len(ref)
    # frames before a flushing seek: a prefix of the reference (frames in
    # flight may or may not come out before the flush)
    if daemon is None:
        k = len(got) - 2 * n
        if k < 0 or got[:k] != ref[:k] or got[k:] != ref + ref:
            print(f"gst-seek: {len(got)} frames, not the reference's first {max(k, 0)} then "
                  f"all {n} twice", file=sys.stderr)
            return 1
        print(f"gst-seek: {k} frames, a flushing seek, {n} frames, a seek after the end, "
              f"{n} frames: each bit-exact")
        return 0
    for k in range(0, n + 1):
        k2 = len(got) - 2 * n - k
        if 0 <= k2 <= n and got == ref[:k] + ref + ref[:k2] + ref:
            print(f"gst-seek: {k} frames, a flushing seek, {n} frames, a seek after the "
                  f"end, {k2} frames, a seek during the drain, {n} frames: each bit-exact")
            return 0
    print(f"gst-seek: {len(got)} frames, not the reference's first frames, all {n}, "
          f"its first frames again, then all {n}", file=sys.stderr)
    return 1

if __name__ == "__main__":
    sys.exit(main())
