#!/usr/bin/env python3
"""The real vole-desktop under Xvfb with *Serve the local API* on: an HTTP client on
loopback lists and uses the app's model while the user types a message and the answer
streams in the window; Settings shows the address (screenshot)."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xvfb_app import SKIP, App, Display, fail, focus, parse_test_args, write_settings, xdo


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(port, path, body=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path),
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def main():
    args = parse_test_args()
    tmp = tempfile.mkdtemp(prefix="vole-local-api-window-")
    display = Display()
    try:
        data = os.path.join(tmp, "data")
        model = os.path.join(data, "models", "test", "tiny-qwen3")
        made = subprocess.run([args.make_checkpoint, "--preset", "tiny-qwen3", "--seed", "5", "--out", model],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if made.returncode != 0:
            if "tokenizer is missing" in made.stdout and os.environ.get("VOLE_REQUIRE_ORACLES") != "1":
                print("SKIP: the Qwen3 tokenizer is not fetched (tests/oracles/fetch.sh)")
                sys.exit(SKIP)
            fail("vole-make-checkpoint failed: " + made.stdout)
        port = free_port()
        env = {"XDG_RUNTIME_DIR": os.path.join(tmp, "run"), "VOLE_CACHE_DIR": os.path.join(tmp, "cache"),
               "VOLE_DATA_DIR": data, "XDG_CONFIG_HOME": os.path.join(tmp, "config"), "VOLE_SECRET_STORE": "file"}
        os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700)
        write_settings(env["XDG_CONFIG_HOME"], **{"appearance/theme": "light", "sampling/max_tokens": 40,
                                                   "sampling/temperature": 0, "local_api/enabled": "true",
                                                   "local_api/port": port})
        app = App(args.app, display, env)
        window = app.wait_window()
        app.wait_event(r"event=model-loaded model=tiny-qwen3", timeout=120)
        app.wait_event(r"event=local-api state=running address=http://127.0.0.1:%d/v1 model=tiny-qwen3" % port)
        ids = [m["id"] for m in api(port, "/v1/models")["data"]]
        if ids != ["tiny-qwen3"]:
            fail("the API lists %r" % ids)

        # The user chats while a client uses the API.
        body = {"model": "tiny-qwen3", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 32,
                "temperature": 0}
        answers = []
        client = threading.Thread(target=lambda: answers.append(api(port, "/v1/chat/completions", body)))
        focus(display, window)
        xdo(display, "type", "--delay", "15", "Hello from the window")
        xdo(display, "key", "Return")
        app.wait_event(r"event=answer-started")
        client.start()
        done = app.wait_event(r"event=answer-complete conversation=\d+ message=\d+ status=(\w+) tokens=(\d+)",
                              timeout=120)
        client.join(120)
        if done.group(1) != "complete" or int(done.group(2)) != 40:
            fail("the app's answer: %s with %s tokens" % (done.group(1), done.group(2)))
        if not answers or answers[0]["choices"][0]["message"]["content"] == "":
            fail("the API client got no answer")
        alone = api(port, "/v1/chat/completions", body)["choices"][0]["message"]["content"]
        if alone != answers[0]["choices"][0]["message"]["content"]:
            fail("the API answer differs when the app chats at the same time")

        app.press(display, "ctrl+comma", r"event=page page=settings")
        app.screenshot(display, window, os.path.join(args.artifacts, "desktop-local-api.png"))
        app.quit(display)
        print("PASS")
    finally:
        display.close()


if __name__ == "__main__":
    main()
