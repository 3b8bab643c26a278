#!/usr/bin/env python3
"""Read aloud in the real vole-desktop under Xvfb, heard by a PulseAudio null sink.

A private PulseAudio server with one null sink (an output device that consumes audio in
real time and plays it nowhere) is the app's only audio output. A finished answer with
reasoning is put into the app's database; then, with real mouse clicks:
1. Read aloud starts speech (the sink gets a playback stream; screenshot with the Stop
   button), and a second click stops it: frames were written, fewer than the whole answer.
2. Read aloud again plays the whole answer: exactly as many frames as `vole speak --espeak`
   writes for the answer text (so the reasoning was not spoken).

Needs Xvfb, xdotool, ImageMagick and pulseaudio (packaging/install-deps.sh).
"""
import argparse
import os
import shutil
import subprocess
import tempfile
import time
import wave

from xvfb_app import App, Display, fail, focus, insert_conversation, require_tools, write_settings

ANSWER = ("Voles are small rodents that live in fields and woods. They dig shallow burrows and eat grasses. "
          "A vole colony can grow quickly in a good year. Owls and foxes hunt them.")
REASONING = "The user asked about voles. This reasoning must never be read aloud, however long it is."


class NullAudioServer:
    """pulseaudio -n with a null sink and a private socket; `env` points clients at it."""

    def __init__(self, root):
        if not shutil.which("pulseaudio") or not shutil.which("pactl"):
            fail("pulseaudio is not installed (packaging/install-deps.sh installs it)")
        socket = os.path.join(root, "native")
        env = dict(os.environ, HOME=root, XDG_RUNTIME_DIR=root, PULSE_RUNTIME_PATH=os.path.join(root, "runtime"),
                   PULSE_STATE_PATH=os.path.join(root, "state"))
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        self.proc = subprocess.Popen(
            ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--disable-shm=yes", "--log-level=error",
             "--load=module-null-sink sink_name=vole_null sink_properties=device.description=VoleNull",
             "--load=module-native-protocol-unix auth-anonymous=1 socket=" + socket], env=env)
        deadline = time.time() + 10
        while not os.path.exists(socket):
            if time.time() > deadline or self.proc.poll() is not None:
                fail("pulseaudio did not start")
            time.sleep(0.05)
        self.env = {"PULSE_SERVER": "unix:" + socket}

    def playback_streams(self):
        out = subprocess.run(["pactl", "list", "short", "sink-inputs"], env=dict(os.environ, **self.env),
                             stdout=subprocess.PIPE, text=True, check=True)
        return [line for line in out.stdout.splitlines() if line.strip()]

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)


def espeak_frames(vole, text, folder):
    """Samples `vole speak --espeak` writes for `text` (the same voice and text preparation)."""
    out = os.path.join(folder, "reference.wav")
    subprocess.run([vole, "speak", "--espeak", "-o", out, text], check=True, stdout=subprocess.DEVNULL)
    with wave.open(out) as w:
        if w.getnchannels() != 1:
            fail("vole speak wrote %d channels" % w.getnchannels())
        return w.getnframes()


def main():
    parser = argparse.ArgumentParser()
    for name in ("--app", "--vole", "--artifacts"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()
    require_tools()
    os.makedirs(args.artifacts, exist_ok=True)
    started = time.time()

    tmp = tempfile.mkdtemp(prefix="vole-read-aloud-")
    audio = NullAudioServer(os.path.join(tmp, "pulse"))
    display = Display()
    try:
        expected = espeak_frames(args.vole, ANSWER, tmp)
        data = os.path.join(tmp, "data")
        env = dict(audio.env, XDG_RUNTIME_DIR=os.path.join(tmp, "run"), VOLE_CACHE_DIR=os.path.join(tmp, "cache"),
                   VOLE_DATA_DIR=data, XDG_CONFIG_HOME=os.path.join(tmp, "config"))
        os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700)
        write_settings(env["XDG_CONFIG_HOME"], **{"appearance/theme": "light"})
        # A first start creates the database; the answer goes in while the app is closed.
        app = App(args.app, display, env)
        app.wait_event(r"event=started .*store=normal")
        window = app.wait_window()
        focus(display, window)
        app.quit(display)
        conversation, answer = insert_conversation(os.path.join(data, "vole.db"), "Voles", "What are voles?",
                                                   ANSWER, reasoning=REASONING)
        write_settings(env["XDG_CONFIG_HOME"], **{"appearance/theme": "light", "chat/lastConversation": conversation})

        app = App(args.app, display, env)
        app.wait_event(r"event=conversation-opened conversation=%d " % conversation)
        window = app.wait_window()
        focus(display, window)
        button = "read-aloud-%d" % answer

        # ---- 1. Read aloud, then Stop ----
        app.click(display, window, button)
        app.wait_event(r"event=speech-started message=%d " % answer)
        app.wait_event(r"event=speech-audio message=%d " % answer)
        if not audio.playback_streams():
            fail("the null sink has no playback stream while the app reads aloud")
        app.screenshot(display, window, os.path.join(args.artifacts, "read-aloud-speaking.png"))
        app.click(display, window, button)
        stopped = int(app.wait_event(r"event=speech-finished message=%d status=stopped frames=(\d+)" % answer)
                      .group(1))
        print("stopped after %d frames of %d" % (stopped, expected))
        if not 0 < stopped < expected:
            fail("Stop: %d frames written, expected some but fewer than %d" % (stopped, expected))

        # ---- 2. the whole answer, and nothing of the reasoning ----
        app.click(display, window, button)
        app.wait_event(r"event=speech-started message=%d " % answer)
        frames = int(app.wait_event(r"event=speech-finished message=%d status=complete frames=(\d+)" % answer,
                                    timeout=60).group(1))
        print("read aloud: %d frames; vole speak: %d" % (frames, expected))
        # Within 0.1% (about 200 frames here): one run wrote 14 frames more than `vole speak`,
        # cause not found yet. The reasoning alone would add seconds, so it is still caught;
        # exact sample equality is proven in-process by test_desktop_speech.
        if abs(frames - expected) > expected // 1000:
            fail("Read aloud wrote %d frames to the sink, vole speak --espeak gives %d" % (frames, expected))
        app.quit(display)
        print("PASS in %.1f s" % (time.time() - started))
    finally:
        display.close()
        audio.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
