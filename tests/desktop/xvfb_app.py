"""Driving the real vole-desktop on a private Xvfb display with real X input events
(xdotool), reading its --log event lines, and taking screenshots (ImageMagick). Shared by
the window tests (test_desktop_app.py, test_models_page.py)."""
import argparse
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time


SKIP = 77  # ctest's SKIP_RETURN_CODE for this test


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def require_tools():
    for tool in ("Xvfb", "xdotool", "import"):
        if not shutil.which(tool):
            fail("%s is not installed (packaging/install-deps.sh installs it)" % tool)


def parse_test_args(*extra):
    """The window tests' command line (--app, --make-checkpoint, --artifacts and `extra`
    required options), after checking the X tools are there; creates the artifacts folder."""
    parser = argparse.ArgumentParser()
    for name in ("--app", "--make-checkpoint", *extra, "--artifacts"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()
    require_tools()
    os.makedirs(args.artifacts, exist_ok=True)
    return args


class Display:
    """A private Xvfb server (its number chosen by Xvfb itself)."""

    def __init__(self):
        read_fd, write_fd = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write_fd)
        number = b""
        with os.fdopen(read_fd, "rb") as pipe:
            number = pipe.readline().strip()
        if not number:
            fail("Xvfb did not start")
        self.name = ":" + number.decode()

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)


class App:
    """vole-desktop with --log; its event lines are collected as they arrive."""

    def __init__(self, binary, display, env, args=()):
        self.lines = []
        self.events = queue.Queue()
        full_env = dict(os.environ, DISPLAY=display.name, **env)
        full_env.pop("WAYLAND_DISPLAY", None)
        full_env.pop("QT_QPA_PLATFORM", None)
        self.proc = subprocess.Popen([binary, "--log", *args], env=full_env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.layout = {}  # item -> (x, y): where the app's probes last saw it (event=layout)
        self.seen = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            self.lines.append(line)
            if line.startswith("vole-desktop: event=layout "):
                match = re.search(r"item=(\S+) x=(-?\d+) y=(-?\d+)", line)
                if match:
                    self.layout[match.group(1)] = (int(match.group(2)), int(match.group(3)))
                continue
            print("  app| " + line)
            if line.startswith("vole-desktop: event="):
                self.events.put(line)

    def wait_event(self, pattern, timeout=60):
        """The first event line (seen before or arriving later) matching `pattern`."""
        regex = re.compile(pattern)
        for line in self.seen:
            if regex.search(line):
                self.seen.remove(line)
                return regex.search(line)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None and self.events.empty():
                fail("vole-desktop exited (%s) while waiting for %r" % (self.proc.returncode, pattern))
            try:
                line = self.events.get(timeout=0.2)
            except queue.Empty:
                continue
            match = regex.search(line)
            if match:
                return match
            self.seen.append(line)
        fail("timed out after %d s waiting for %r" % (timeout, pattern))

    def wait_window(self):
        """The X window id the app reports once its window is shown."""
        return self.wait_event(r"event=window-shown .*window=(\d+)").group(1)

    def press(self, display, keys, expect):
        """A real key press (e.g. "ctrl+m"), then the event line it must cause."""
        xdo(display, "key", "--clearmodifiers", keys)
        return self.wait_event(expect)

    def click(self, display, window, item, timeout=20):
        """A real mouse click at the centre of `item` (as the app's probe reported it)."""
        deadline = time.time() + timeout
        while item not in self.layout:
            if time.time() > deadline:
                fail("the app never reported where %r is" % item)
            time.sleep(0.1)
        time.sleep(0.3)  # a probe reports within 200 ms of a move: take the settled position
        x, y = self.layout[item]
        xdo(display, "mousemove", "--window", window, str(x), str(y))
        xdo(display, "click", "1")

    def quit(self, display):
        xdo(display, "key", "--clearmodifiers", "ctrl+q")
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail("vole-desktop did not quit on Ctrl+Q")
        if self.proc.returncode != 0:
            fail("vole-desktop exited with %d" % self.proc.returncode)


def xdo(display, *args):
    subprocess.run(["xdotool", *args], env=dict(os.environ, DISPLAY=display.name), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def focus(display, window):
    # No window manager: point at the window and give it the input focus directly.
    xdo(display, "mousemove", "--window", window, "600", "300")
    xdo(display, "windowfocus", "--sync", window)


def screenshot(display, window, path, settle=1.0):
    time.sleep(settle)  # let the last frame (and any animation) land
    subprocess.run(["import", "-window", window, path], env=dict(os.environ, DISPLAY=display.name), check=True)
    size = os.path.getsize(path)
    if size < 10000:
        fail("screenshot %s is suspiciously small (%d bytes)" % (path, size))
    print("  screenshot: %s (%d bytes)" % (path, size))


def write_settings(config_home, **values):
    """The app's QSettings INI file: [group] key=value (plain values only)."""
    folder = os.path.join(config_home, "vole")
    os.makedirs(folder, exist_ok=True)
    groups = {}
    for key, value in values.items():
        group, name = key.split("/")
        groups.setdefault(group, []).append((name, value))
    with open(os.path.join(folder, "vole-desktop.ini"), "w") as f:
        for group, items in groups.items():
            f.write("[%s]\n" % group)
            for name, value in items:
                f.write('%s=%s\n' % (name, value))
