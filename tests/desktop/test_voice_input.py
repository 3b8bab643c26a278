#!/usr/bin/env python3
"""Voice input in the real window (Xvfb, real clicks) with a real audio server: a private
PulseAudio whose default source is a virtual microphone (module-pipe-source) fed with an
espeak-ng recording.

0. Without a speech model, a click on the microphone offers its download (screenshot).
1. A click on the composer's microphone (a tap: hands-free) listens; the recording is
   played into the virtual microphone followed by a pause; the pause ends listening and
   the transcript appears in the composer (screenshot). Random weights give arbitrary
   words, so the check is equality with the reference: `vole transcribe` of the same
   audio (the WAV Vole kept, "keep recordings" being on).
2. Push-to-talk (the button held down) while the microphone disappears (its module
   unloaded): a clear message, no crash, what was heard transcribed after the earlier
   text in the composer (screenshot).
3. With a chat model installed (tiny-qwen3; skipped without the fetched tokenizer unless
   VOLE_REQUIRE_ORACLES=1), Enter sends the dictated text: the message keeps the last
   dictation's recording (schema v6, message_recordings), moved into the store's
   content-addressed recordings folder with the same bytes; the message's play button plays
   every frame of it. Ctrl+Q quits cleanly.

Skipped (77) when PulseAudio or espeak-ng is missing (packaging/install-deps.sh installs
them), unless VOLE_REQUIRE_AUDIO=1."""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time

from virtual_mic import PulseServer, espeak_recording, require_audio_tools
from xvfb_app import App, Display, fail, focus, parse_test_args, write_settings, xdo


def wav_seconds(path):
    """Length of a WAV file of any sample format (Python's wave module reads PCM only)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        fail("%s is not a WAV file" % path)
    pos, rate, block, frames = 12, 0, 0, 0
    while pos + 8 <= len(data):
        tag, size = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "little")
        if tag == b"fmt ":
            rate = int.from_bytes(data[pos + 12:pos + 16], "little")
            block = int.from_bytes(data[pos + 20:pos + 22], "little")
        elif tag == b"data":
            frames = size // max(block, 1)
        pos += 8 + size + (size & 1)
    if not rate:
        fail("%s has no fmt chunk" % path)
    return frames / rate


def field(line, name):
    """A field of an event line: a JSON string or a plain value."""
    m = re.search(r'\b%s=("(?:[^"\\]|\\.)*"|\S+)' % name, line)
    if not m:
        return None
    v = m.group(1)
    return json.loads(v) if v.startswith('"') else v


def hold(app, display, window, item):
    """Presses the mouse button on `item` (where its probe last saw it) and keeps it down."""
    needed = app.counted
    app._wait_for(lambda: item in app.layout and app.layout[item][2] >= needed,
                  "the position of %r after event %d" % (item, needed), 30)
    x, y, _ = app.layout[item]
    xdo(display, "mousemove", "--window", window, str(x), str(y))
    xdo(display, "mousedown", "1")


def main():
    args = parse_test_args("--cli")
    shot = lambda name: os.path.join(args.artifacts, name)
    require_audio_tools()
    started = time.time()
    tmp = tempfile.mkdtemp(prefix="vole-voice-")
    display = Display()
    pulse = None
    try:
        data = os.path.join(tmp, "data")
        model = os.path.join(data, "models", "moonshine-tiny")
        speech = os.path.join(tmp, "speech.wav")
        rate, frames = espeak_recording(speech, "Hello Vole. Please write this down.")
        silence = lambda seconds: b"\0\0" * int(rate * seconds)
        pulse = PulseServer(tmp, rate)

        env = {"XDG_RUNTIME_DIR": os.path.join(tmp, "run"), "VOLE_CACHE_DIR": os.path.join(tmp, "cache"),
               "VOLE_DATA_DIR": data, "XDG_CONFIG_HOME": os.path.join(tmp, "config"),
               "PULSE_SERVER": pulse.env["PULSE_SERVER"]}
        os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700)
        write_settings(env["XDG_CONFIG_HOME"], **{"appearance/theme": "light", "voice/keepRecordings": "true"})

        # ---- 0. no speech model yet: the first press offers the catalog's default ----
        app = App(args.app, display, env)
        window = app.wait_window()
        focus(display, window)
        app.click(display, window, "mic-button")
        app.wait_event(r'event=dialog title="Download a speech model\?"')
        app.screenshot(display, window, shot("voice-offer-download.png"))
        app.quit(display)

        subprocess.run([args.make_checkpoint, "--preset", "tiny-moonshine", "--seed", "4", "--out", model],
                       check=True, stdout=subprocess.DEVNULL)
        # A chat model, so the dictated text can be sent (step 3).
        chat = subprocess.run([args.make_checkpoint, "--preset", "tiny-qwen3", "--seed", "5", "--out",
                               os.path.join(data, "models", "test", "tiny-qwen3")],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        can_chat = chat.returncode == 0
        if not can_chat and ("tokenizer is missing" not in chat.stdout
                             or os.environ.get("VOLE_REQUIRE_ORACLES") == "1"):
            fail("vole-make-checkpoint tiny-qwen3 failed: " + chat.stdout)
        app = App(args.app, display, env)
        window = app.wait_window()
        focus(display, window)

        # ---- 1. tap the microphone, speak, pause: the transcript is the reference's ----
        app.click(display, window, "mic-button")
        app.wait_event(r"event=voice-start")
        player = pulse.play(silence(0.3) + frames + silence(1.5))
        line = app.wait_event(r"event=voice-transcript", timeout=90).string
        player.join(10)
        text, composer, recording = field(line, "text"), field(line, "composer"), field(line, "recording")
        if not recording or not os.path.isfile(recording):
            fail("no kept recording (keep recordings is on): %r" % line)
        seconds = wav_seconds(recording)
        spoken = len(frames) / 2 / rate
        if not spoken <= seconds <= spoken + 5:
            fail("the recording is %.2f s for %.2f s of speech" % (seconds, spoken))
        ref = subprocess.run([args.cli, "transcribe", "-m", model, recording], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=dict(os.environ, VOLE_CACHE_DIR=env["VOLE_CACHE_DIR"]))
        if ref.returncode != 0:
            fail("vole transcribe failed: " + ref.stderr)
        want = ref.stdout.strip()
        if not want:
            fail("the reference transcription is empty")
        if text != want or composer != want:
            fail("composer %r / transcript %r, reference %r" % (composer, text, want))
        print("  transcript (%d chars) equals `vole transcribe` of the %.2f s recording" % (len(want), seconds))
        app.screenshot(display, window, shot("voice-transcript.png"))

        # ---- 2. push-to-talk (the button held), and the microphone goes away meanwhile:
        # a message, what was heard transcribed, the earlier text kept ----
        hold(app, display, window, "mic-button")
        app.wait_event(r"event=voice-start")
        player = pulse.play(frames[: len(frames) // 2])
        player.join(10)
        time.sleep(1.0)
        pulse.unplug()
        notice = app.wait_event(r"event=notice .*(disconnected|stopped delivering|could not open)", timeout=30).string
        line = app.wait_event(r"event=voice-transcript", timeout=90).string
        xdo(display, "mouseup", "1")  # released after the end: nothing more happens
        kept = field(line, "composer")
        if not kept.startswith(want):
            fail("the first transcript was not kept: %r" % kept)
        print("  unplugged: %s" % field(notice, "message"))
        app.screenshot(display, window, shot("voice-unplugged.png"))

        # ---- 3. the dictated text sent: the message keeps its recording ----
        last = field(line, "recording")
        if not can_chat:
            print("  SKIP step 3: the Qwen3 tokenizer is not fetched (tests/oracles/fetch.sh)")
        elif not last or not os.path.isfile(last):
            fail("push-to-talk kept no recording: %r" % line)
        else:
            with open(last, "rb") as f:
                wav = f.read()
            app.wait_event(r"event=model-loaded model=tiny-qwen3", timeout=120)
            xdo(display, "key", "Return")
            sent = app.wait_event(r"event=message-sent conversation=\d+ message=(\d+)", timeout=30)
            kept = app.wait_event(r"event=recording-kept", timeout=30).string
            message = int(sent.group(1))
            db = sqlite3.connect(os.path.join(data, "vole.db"))
            rows = db.execute("SELECT sha256, size_bytes, duration_ms FROM message_recordings WHERE message_id = ?",
                              (message,)).fetchall()
            db.close()
            if len(rows) != 1:
                fail("message %d has %d recordings: %r" % (message, len(rows), kept))
            sha, size, ms = rows[0]
            stored = os.path.join(data, "recordings", sha + ".wav")
            if field(kept, "file") != stored or not os.path.isfile(stored):
                fail("the recording is not at %s: %r" % (stored, kept))
            with open(stored, "rb") as f:
                if f.read() != wav or size != len(wav):
                    fail("the stored recording differs from the dictation's WAV")
            if os.path.exists(last):
                fail("the dictation's WAV was copied, not moved: %s" % last)
            if abs(ms / 1000.0 - wav_seconds(stored)) > 0.05:
                fail("the recording's duration %d ms, its WAV %.2f s" % (ms, wav_seconds(stored)))
            print("  message %d keeps its %.2f s recording recordings/%s.wav" % (message, ms / 1000.0, sha[:12]))
            # Its play button (a real click) plays every frame of the kept WAV (16 kHz).
            app.click(display, window, "recording-%d" % message)
            played = int(app.wait_event(r"event=speech-finished message=%d status=complete frames=(\d+)" % message,
                                        timeout=60).group(1))
            want_frames = round(wav_seconds(stored) * 16000)
            if played != want_frames:
                fail("the recording played %d frames of %d" % (played, want_frames))
            print("  its play button played all %d frames" % played)
            app.screenshot(display, window, shot("voice-recording-played.png"))
        app.quit(display)
        print("PASS (%.1f s)" % (time.time() - started))
    finally:
        if pulse:
            pulse.close()
        display.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
