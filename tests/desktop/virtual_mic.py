"""A virtual microphone for the window tests: a private PulseAudio whose default source is
a pipe the test writes audio into, beside a null sink that plays the app's output nowhere;
and espeak-ng recordings to speak into it. Shared by test_voice_input.py and
test_voice_conversation.py."""
import os
import shutil
import subprocess
import sys
import threading
import time
import wave

from xvfb_app import SKIP, fail


def require_audio_tools():
    """Exits with SKIP (77) when PulseAudio or espeak-ng is missing, unless VOLE_REQUIRE_AUDIO=1."""
    for tool in ("pulseaudio", "pactl", "espeak-ng"):
        if not shutil.which(tool):
            if os.environ.get("VOLE_REQUIRE_AUDIO") == "1":
                fail("%s is not installed (packaging/install-deps.sh)" % tool)
            print("SKIP: %s is not installed (packaging/install-deps.sh installs it)" % tool)
            sys.exit(SKIP)


def espeak_recording(path, text):
    """espeak-ng saying `text` into the WAV `path`; returns (rate, s16 mono frames)."""
    subprocess.run(["espeak-ng", "-w", path, text], check=True)
    with wave.open(path) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        return w.getframerate(), w.readframes(w.getnframes())


class PulseServer:
    """A private PulseAudio: a null sink and a pipe source (`fifo`) at `rate` Hz, mono s16."""

    def __init__(self, folder, rate):
        self.socket = os.path.join(folder, "pulse.sock")
        self.fifo = os.path.join(folder, "mic.fifo")
        config = os.path.join(folder, "vole.pa")
        with open(config, "w") as f:
            f.write("load-module module-native-protocol-unix auth-anonymous=1 socket=%s\n" % self.socket)
            f.write("load-module module-null-sink sink_name=vole_sink\n")
            f.write("load-module module-pipe-source source_name=vole_mic file=%s format=s16le rate=%d channels=1\n"
                    % (self.fifo, rate))
            f.write("set-default-source vole_mic\n")
        self.env = dict(os.environ, PULSE_SERVER="unix:" + self.socket, HOME=folder,
                        XDG_RUNTIME_DIR=os.path.join(folder, "pulse-run"))
        os.makedirs(self.env["XDG_RUNTIME_DIR"], mode=0o700)
        self.log = open(os.path.join(folder, "pulse.log"), "w")
        self.proc = subprocess.Popen(["pulseaudio", "-n", "-F", config, "--daemonize=no", "--exit-idle-time=-1",
                                      "--disallow-exit", "--log-target=stderr"],
                                     env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while time.time() < deadline:
            out = subprocess.run(["pactl", "list", "short", "sources"], env=self.env, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True)
            if "vole_mic" in out.stdout:
                return
            time.sleep(0.2)
        fail("PulseAudio did not start (see %s)" % self.log.name)

    def play(self, frames):
        """Writes s16 frames into the virtual microphone (in a thread: the FIFO blocks)."""
        def write():
            with open(self.fifo, "wb") as f:
                f.write(frames)
        t = threading.Thread(target=write, daemon=True)
        t.start()
        return t

    def unplug(self):
        subprocess.run(["pactl", "unload-module", "module-pipe-source"], env=self.env, check=True)

    def playback_streams(self):
        """The streams playing into the null sink now (one line each)."""
        out = subprocess.run(["pactl", "list", "short", "sink-inputs"], env=self.env, stdout=subprocess.PIPE,
                             text=True, check=True)
        return [line for line in out.stdout.splitlines() if line.strip()]

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
