#!/usr/bin/env python3
"""Pictures in the real vole-desktop under Xvfb (issue 10).

A tiny generated Qwen3.5 checkpoint with its vision tower is installed; another X client
(vole-test-clipboard) owns the clipboard with a picture, as an image viewer's Copy does.
We focus the composer and press Ctrl+V (xdotool): the app attaches the picture and says
what it will cost in tokens; we type a question and press Enter, wait for the streamed
answer, screenshot the conversation with the picture in the sent message, and check the
database: the user message references one stored image file, named by its SHA-256.
"""
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

from xvfb_app import SKIP, App, Display, fail, focus, parse_test_args, write_settings, xdo


def main():
    args = parse_test_args("--clipboard", "--template")
    started = time.time()
    tmp = tempfile.mkdtemp(prefix="vole-desktop-images-")
    display = Display()
    clipboard = None
    try:
        data = os.path.join(tmp, "data")
        model = os.path.join(data, "models", "test", "seer")
        made = subprocess.run([args.make_checkpoint, "--preset", "tiny-qwen3_5", "--no-mtp", "--preprocessor-config",
                               "--chat-template", args.template, "--seed", "3", "--out", model],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        print(made.stdout.rstrip())
        if made.returncode != 0:
            if "tokenizer is missing" in made.stdout and os.environ.get("VOLE_REQUIRE_ORACLES") != "1":
                print("SKIP: the Qwen3 tokenizer is not fetched (tests/oracles/fetch.sh)")
                sys.exit(SKIP)
            fail("vole-make-checkpoint failed")
        picture = os.path.join(tmp, "gradient.png")
        subprocess.run(["convert", "-size", "72x40", "gradient:orange-navy", picture], check=True)

        env = {"XDG_RUNTIME_DIR": os.path.join(tmp, "run"), "VOLE_CACHE_DIR": os.path.join(tmp, "cache"),
               "VOLE_DATA_DIR": data, "XDG_CONFIG_HOME": os.path.join(tmp, "config")}
        os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700)
        write_settings(env["XDG_CONFIG_HOME"], **{"appearance/theme": "light", "sampling/max_tokens": 8,
                                                   "sampling/temperature": 0})
        app = App(args.app, display, env)
        window = app.wait_window()
        app.wait_event(r"event=model-loaded model=seer", timeout=120)

        clipboard = subprocess.Popen([args.clipboard, picture],
                                     env=dict(os.environ, DISPLAY=display.name, QT_QPA_PLATFORM="xcb",
                                              XDG_RUNTIME_DIR=env["XDG_RUNTIME_DIR"]),
                                     stdout=subprocess.PIPE, text=True)
        if clipboard.stdout.readline().strip() != "ready":
            fail("the clipboard helper did not start")
        focus(display, window)
        xdo(display, "key", "ctrl+v")
        # 72x40 under the tiny tower's budget (factor 32, at least 4096 pixels): 96x64, 6 tokens.
        attached = app.wait_event(r'event=image-attached name="?([^"]*)"? tokens=(-?\d+) count=(\d+)')
        if attached.group(2) != "6" or attached.group(3) != "1":
            fail("expected one pasted picture costing 6 tokens, got %s" % attached.group(0))
        app.screenshot(display, window, os.path.join(args.artifacts, "desktop-image-composer.png"))

        xdo(display, "type", "--delay", "15", "What is this?")
        xdo(display, "key", "Return")
        sent = app.wait_event(r'event=message-sent conversation=(\d+) message=(\d+) text="(.*)"')
        done = app.wait_event(r"event=answer-complete conversation=\d+ message=(\d+) status=(\w+) tokens=(\d+)",
                              timeout=120)
        if done.group(2) != "complete" or int(done.group(3)) < 1:
            fail("expected a complete answer about the picture, got %s" % done.group(0))
        app.screenshot(display, window, os.path.join(args.artifacts, "desktop-image-chat.png"))
        app.quit(display)

        conn = sqlite3.connect(os.path.join(data, "vole.db"))
        try:
            rows = conn.execute("SELECT sha256, extension FROM message_images WHERE message_id = ?",
                                (int(sent.group(2)),)).fetchall()
        finally:
            conn.close()
        if len(rows) != 1 or rows[0][1] != "png":
            fail("the user message should reference one PNG, found %r" % rows)
        stored = os.path.join(data, "images", "%s.png" % rows[0][0])
        with open(stored, "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != rows[0][0]:
                fail("the stored picture is not named by its SHA-256")
    finally:
        if clipboard:
            clipboard.kill()
            clipboard.wait(10)
        display.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print("desktop images test passed in %.1f s" % (time.time() - started))


if __name__ == "__main__":
    main()
