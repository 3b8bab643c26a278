"""Driving the real vole-desktop on a private Xvfb display with real X input events
(xdotool), reading its --log event lines, and taking screenshots (ImageMagick). Shared by
the window tests (test_desktop_app.py, test_models_page.py)."""
import argparse
import os
import queue
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time


SKIP = 77  # ctest's SKIP_RETURN_CODE for this test


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def require_tools():
    for tool in ("Xvfb", "xdotool", "import", "compare"):
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


def event_fields(line):
    """The key=value fields of an event line whose values are plain (no quotes)."""
    return dict(re.findall(r"(\w+)=(\S+)", line))


class App:
    """vole-desktop with --log; its event lines are collected as they arrive.

    The app counts the events it logs, leaving out its reports about the window
    (event=layout, event=frame), which say "after=N": measured after the first N events.
    `counted` is the same count on this side, so a test can wait for a report that
    reflects everything it has seen so far."""

    def __init__(self, binary, display, env, args=()):
        self.lines = []
        self.events = queue.Queue()
        full_env = dict(os.environ, DISPLAY=display.name, **env)
        full_env.pop("WAYLAND_DISPLAY", None)
        full_env.pop("QT_QPA_PLATFORM", None)
        self.proc = subprocess.Popen([binary, "--log", *args], env=full_env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.changed = threading.Condition()  # guards and announces counted, layout, frame_after
        self.counted = 0
        self.layout = {}  # item -> (x, y, after): where the app's probes last saw it (event=layout)
        self.frame_after = -1  # the newest frame on screen shows the effects of this many events
        self.seen = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            self.lines.append(line)
            with self.changed:
                if line.startswith("vole-desktop: event=layout "):
                    f = event_fields(line)
                    self.layout[f["item"]] = (int(f["x"]), int(f["y"]), int(f["after"]))
                elif line.startswith("vole-desktop: event=frame "):
                    self.frame_after = max(self.frame_after, int(event_fields(line)["after"]))
                elif line.startswith("vole-desktop: event="):
                    self.counted += 1
                self.changed.notify_all()
            if line.startswith(("vole-desktop: event=layout ", "vole-desktop: event=frame ")):
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

    def _wait_for(self, ready, what, timeout):
        """Waits until ready() (called with the lock held) is true; fails after `timeout` s."""
        deadline = time.time() + timeout
        with self.changed:
            while not ready():
                left = deadline - time.time()
                if left <= 0:
                    fail("timed out after %d s waiting for %s" % (timeout, what))
                if self.proc.poll() is not None:
                    fail("vole-desktop exited (%s) while waiting for %s" % (self.proc.returncode, what))
                self.changed.wait(min(left, 0.5))

    def wait_window(self):
        """The X window id the app reports once its window is shown."""
        return self.wait_event(r"event=window-shown .*window=(\d+)").group(1)

    def press(self, display, keys, expect):
        """A real key press (e.g. "ctrl+m"), then the event line it must cause."""
        xdo(display, "key", "--clearmodifiers", keys)
        return self.wait_event(expect)

    def click(self, display, window, item, timeout=30):
        """A real mouse click at the centre of `item`, where the app's probe saw it settled
        after every event received so far (so not where it was before the view changed)."""
        needed = self.counted
        self._wait_for(lambda: item in self.layout and self.layout[item][2] >= needed,
                       "the position of %r after event %d" % (item, needed), timeout)
        x, y, _ = self.layout[item]
        xdo(display, "mousemove", "--window", window, str(x), str(y))
        xdo(display, "click", "1")

    def screenshot(self, display, window, path, timeout=30):
        """Saves the window once it shows everything received so far and has stopped moving.

        First a frame drawn after the events received so far (event=frame), then grabs
        until two in a row differ in fewer than SETTLED_PIXELS pixels: animations have
        finished, while a blinking cursor or a ticking download line are let through."""
        start = time.time()
        needed = self.counted
        self._wait_for(lambda: self.frame_after >= needed, "a frame drawn after event %d" % needed, timeout)
        deadline = time.time() + timeout
        previous = path + ".previous.png"
        grab(display, window, previous)
        grabs = 1
        while True:
            grab(display, window, path)
            grabs += 1
            changed = pixels_changed(previous, path)
            if changed < SETTLED_PIXELS:
                break
            if time.time() > deadline:
                fail("the window kept changing for %d s (%d pixels between grabs)" % (timeout, changed))
            os.replace(path, previous)
        os.remove(previous)
        size = os.path.getsize(path)
        if size < 10000:
            fail("screenshot %s is suspiciously small (%d bytes)" % (path, size))
        print("  screenshot: %s (%d bytes; %d grabs, %.1f s)" % (path, size, grabs, time.time() - start))

    def quit(self, display):
        xdo(display, "key", "--clearmodifiers", "ctrl+q")
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail("vole-desktop did not quit on Ctrl+Q")
        if self.proc.returncode != 0:
            fail("vole-desktop exited with %d" % self.proc.returncode)


# Two grabs differing in fewer pixels than this are the same picture: a blinking text
# cursor or one line of download figures, not a page, a list or a fade still on its way.
SETTLED_PIXELS = 4000


def grab(display, window, path):
    subprocess.run(["import", "-window", window, path], env=dict(os.environ, DISPLAY=display.name), check=True)


def pixels_changed(a, b):
    """How many pixels differ between two images of the same size (ImageMagick's AE metric)."""
    out = subprocess.run(["compare", "-metric", "AE", a, b, "null:"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    if out.returncode not in (0, 1):
        fail("compare failed on %s and %s: %s" % (a, b, out.stderr.strip()))
    return int(float(out.stderr.split()[0]))


def xdo(display, *args):
    subprocess.run(["xdotool", *args], env=dict(os.environ, DISPLAY=display.name), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def focus(display, window):
    # No window manager: point at the window and give it the input focus directly.
    xdo(display, "mousemove", "--window", window, "600", "300")
    xdo(display, "windowfocus", "--sync", window)


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


def insert_conversation(db, title, question, answer, reasoning="", stats_json=None):
    """A finished conversation (one question, one answer) written into the app's real
    database while the app is closed; returns (conversation id, answer message id)."""
    conn = sqlite3.connect(db)
    try:
        now = int(time.time() * 1000)
        cur = conn.execute("INSERT INTO conversations (title, model_id, created_at, updated_at) VALUES (?, ?, ?, ?)",
                           (title, "tiny-qwen3", now, now))
        conversation = cur.lastrowid
        cur = conn.execute("INSERT INTO messages (conversation_id, parent_id, role, content, created_at) "
                           "VALUES (?, NULL, 'user', ?, ?)", (conversation, question, now))
        user = cur.lastrowid
        cur = conn.execute("INSERT INTO messages (conversation_id, parent_id, role, content, reasoning, created_at, "
                           "stats_json) VALUES (?, ?, 'assistant', ?, ?, ?, ?)",
                           (conversation, user, answer, reasoning, now + 1, stats_json))
        answer_id = cur.lastrowid
        conn.execute("UPDATE conversations SET active_leaf_id = ? WHERE id = ?", (answer_id, conversation))
        conn.commit()
        return conversation, answer_id
    finally:
        conn.close()
