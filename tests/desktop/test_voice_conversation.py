#!/usr/bin/env python3
"""The hands-free voice conversation in the real window (Xvfb, real clicks and keys) with
a real audio server: a private PulseAudio whose default source is a virtual microphone
(module-pipe-source) fed with an espeak-ng recording, and a null sink that plays the
answers nowhere.

1. A click on the conversation button listens; the recording is played into the virtual
   microphone with a pause after it: the words are sent as a message (tiny Moonshine,
   tiny Qwen3; random weights give arbitrary words), the answer is spoken (frames reach
   the sink), then Vole listens again (screenshot).
2. Barge-in: the next turn's answer is being spoken when the user talks over it: playback
   stops with no frame written after the detection, and Vole is listening.
3. Esc while thinking or speaking goes back to listening; Esc while listening ends the
   conversation. Ctrl+Q quits cleanly.

Skipped (77) when PulseAudio or espeak-ng is missing, or the Qwen3 tokenizer is not fetched
(tests/oracles/fetch.sh), unless VOLE_REQUIRE_AUDIO=1 / VOLE_REQUIRE_ORACLES=1."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

from virtual_mic import PulseServer, espeak_recording, require_audio_tools
from xvfb_app import SKIP, App, Display, fail, focus, parse_test_args, write_settings, xdo


def main():
    args = parse_test_args()
    shot = lambda name: os.path.join(args.artifacts, name)
    require_audio_tools()
    started = time.time()
    tmp = tempfile.mkdtemp(prefix="vole-conversation-")
    display = Display()
    pulse = None
    try:
        data = os.path.join(tmp, "data")
        speech = os.path.join(tmp, "speech.wav")
        rate, frames = espeak_recording(speech, "Tell me about voles, please.")
        silence = lambda seconds: b"\0\0" * int(rate * seconds)
        pulse = PulseServer(tmp, rate)

        subprocess.run([args.make_checkpoint, "--preset", "tiny-moonshine", "--seed", "4", "--out",
                        os.path.join(data, "models", "moonshine-tiny")], check=True, stdout=subprocess.DEVNULL)
        chat = subprocess.run([args.make_checkpoint, "--preset", "tiny-qwen3", "--seed", "5", "--out",
                               os.path.join(data, "models", "test", "tiny-qwen3")],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if chat.returncode != 0:
            if "tokenizer is missing" in chat.stdout and os.environ.get("VOLE_REQUIRE_ORACLES") != "1":
                print("SKIP: the Qwen3 tokenizer is not fetched (tests/oracles/fetch.sh)")
                sys.exit(SKIP)
            fail("vole-make-checkpoint tiny-qwen3 failed: " + chat.stdout)

        env = {"XDG_RUNTIME_DIR": os.path.join(tmp, "run"), "VOLE_CACHE_DIR": os.path.join(tmp, "cache"),
               "VOLE_DATA_DIR": data, "XDG_CONFIG_HOME": os.path.join(tmp, "config"),
               "PULSE_SERVER": pulse.env["PULSE_SERVER"]}
        os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700)
        write_settings(env["XDG_CONFIG_HOME"], **{"appearance/theme": "light", "sampling/max_tokens": 10,
                                                   "sampling/temperature": 0, "speech/turnPause": 0.6,
                                                   "speech/interruptSensitivity": 3})
        app = App(args.app, display, env)
        window = app.wait_window()
        focus(display, window)
        app.wait_event(r"event=model-loaded model=tiny-qwen3", timeout=120)

        def turn(what):
            """The user speaks and pauses; the words go out and the answer starts speaking."""
            player = pulse.play(silence(0.3) + frames + silence(1.5))
            app.wait_event(r"event=voice-conversation state=thinking", timeout=90)
            app.wait_event(r"event=message-sent", timeout=30)
            player.join(10)
            app.wait_event(r"event=voice-conversation state=speaking", timeout=90)
            audio = app.wait_event(r"event=speech-audio", timeout=60)
            print("  %s: sent, answer being spoken" % what)
            return audio

        # ---- 1. a whole turn: listen, send, speak, listen again ----
        app.click(display, window, "conversation-button")
        app.wait_event(r"event=voice-conversation state=listening", timeout=30)
        turn("turn 1")
        done = app.wait_event(r"event=speech-finished .*status=(\w+) frames=(\d+)", timeout=120)
        if done.group(1) != "complete" or int(done.group(2)) < rate // 4:
            fail("the answer was not played whole: %s" % done.group(0))
        app.wait_event(r"event=voice-conversation state=listening", timeout=30)
        print("  turn 1: %s frames played, listening again" % done.group(2))
        app.screenshot(display, window, shot("voice-conversation-listening.png"))

        # ---- 2. barge-in: the user talks over the next answer ----
        turn("turn 2")
        pulse.play(frames)
        barge = app.wait_event(r"event=voice-barge-in frames=(\d+)", timeout=30)
        heard = time.time()
        while pulse.playback_streams():  # the answer's stream leaves the sink
            if time.time() - heard > 5:
                fail("the answer's playback stream is still open 5 s after the barge-in")
            time.sleep(0.01)
        gone = time.time() - heard
        stopped = app.wait_event(r"event=speech-finished .*status=(\w+) frames=(\d+)", timeout=10)
        if stopped.group(1) != "stopped":
            fail("barge-in did not stop the answer: %s" % stopped.group(0))
        if stopped.group(2) != barge.group(1):
            fail("frames were written after the barge-in: %s then %s" % (barge.group(1), stopped.group(2)))
        app.wait_event(r"event=voice-conversation state=listening", timeout=10)
        print("  turn 2: interrupted after %s frames, nothing written after the detection; the stream closed "
              "%.0f ms after the event was read" % (barge.group(1), gone * 1000))

        # ---- 3. Esc while Vole thinks goes back to listening; Esc while listening ends ----
        pulse.play(frames + silence(1.5))
        app.wait_event(r"event=voice-conversation state=thinking", timeout=90)
        xdo(display, "key", "Escape")
        app.wait_event(r"event=voice-conversation state=listening", timeout=10)
        app.screenshot(display, window, shot("voice-conversation-esc.png"))
        xdo(display, "key", "Escape")
        app.wait_event(r"event=voice-conversation state=off", timeout=10)
        print("  Esc: back to listening, then the conversation ended")
        app.quit(display)
        print("PASS (%.1f s)" % (time.time() - started))
    finally:
        if pulse:
            pulse.close()
        display.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
