#!/usr/bin/env python3
"""The model manager's proof test: the real vole-desktop under Xvfb, real X input events,
downloading from a loopback fake Hugging Face hub (vole-fake-hub, VOLE_HUB_URL).

The hub serves a small generated Qwen3.5-style checkpoint (text, vision and MTP tensors)
as Qwen/Qwen3.5-0.8B, its weights throttled so the download can be caught in progress.

1. At start the app contacts nobody (the hub's counters stay at zero). Ctrl+M opens the
   Models page: the catalog (screenshot). A typed repo id that is not one is refused with
   a clear message (screenshot).
2. A mouse click on the catalog's "Download text only" starts the download; mid-way the
   per-file list is opened with a click and the page is captured with the progress bar,
   speed and ETA (screenshot). Partial files exist on disk.
3. Once complete: the weights file holds only the text tensors and the hub served only
   their bytes; the Storage panel (Ctrl+3) shows the bytes the selective download saved
   (screenshot); the Installed list (Ctrl+2, screenshot) has the model, and a click on
   Use loads it on the engine thread.
4. A restart in the dark theme: the Storage panel and Settings, with the token, hub
   address and quota settings (screenshots).

Screenshots go to --artifacts (build/test-artifacts/models-*.png).
"""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

from xvfb_app import SKIP, App, Display, fail, focus, parse_test_args, write_settings, xdo

REPO = "Qwen/Qwen3.5-0.8B"
FOLDER = "Qwen--Qwen3.5-0.8B"


class FakeHub:
    """vole-fake-hub serving `folder` as REPO; `stats()` asks it what it served."""

    def __init__(self, binary, folder, duration):
        self.proc = subprocess.Popen([binary, "--repo", REPO, "--dir", folder, "--duration", str(duration)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("url="):
            fail("vole-fake-hub did not start: %r" % line)
        self.url = line[4:]

    def stats(self):
        self.proc.stdin.write("stats\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(10)


def tensor_bytes(path):
    """Bytes per feature (text / vision / mtp) of a safetensors file, and its header size."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    sizes = {"text": 0, "vision": 0, "mtp": 0}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        part = "vision" if name.startswith("model.visual.") else "mtp" if name.startswith("mtp.") else "text"
        sizes[part] += t["data_offsets"][1] - t["data_offsets"][0]
    return sizes, 8 + n, set(k for k in header if k != "__metadata__")


def main():
    args = parse_test_args("--fake-hub")
    shot = lambda name: os.path.join(args.artifacts, name)
    started = time.time()

    tmp = tempfile.mkdtemp(prefix="vole-models-page-")
    display = Display()
    hub = None
    try:
        source = os.path.join(tmp, "hub-repo")
        made = subprocess.run([args.make_checkpoint, "--preset", "tiny-qwen3_5", "--vocab", "4096", "--seed", "3",
                               "--out", source], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        print(made.stdout.rstrip())
        if made.returncode != 0:
            if "tokenizer is missing" in made.stdout and os.environ.get("VOLE_REQUIRE_ORACLES") != "1":
                print("SKIP: the Qwen3 tokenizer is not fetched (tests/oracles/fetch.sh)")
                sys.exit(SKIP)
            fail("vole-make-checkpoint failed")
        sizes, header_size, names = tensor_bytes(os.path.join(source, "model.safetensors"))
        # Every file takes about 6 s: long enough to catch, short enough for CI.
        hub = FakeHub(args.fake_hub, source, duration=6)

        data = os.path.join(tmp, "data")
        env = {"XDG_RUNTIME_DIR": os.path.join(tmp, "run"), "VOLE_CACHE_DIR": os.path.join(tmp, "cache"),
               "VOLE_DATA_DIR": data, "XDG_CONFIG_HOME": os.path.join(tmp, "config"), "VOLE_HUB_URL": hub.url}
        os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700)
        write_settings(env["XDG_CONFIG_HOME"], **{"appearance/theme": "light"})

        # ---- 1. start: no network; the catalog; a repo id that is not one ----
        app = App(args.app, display, env)
        app.wait_event(r"event=started .*models=0")
        window = app.wait_window()
        focus(display, window)
        app.press(display, "ctrl+m", r"event=page page=models")
        app.screenshot(display, window, shot("models-catalog.png"))
        stats = hub.stats()
        if stats["api_requests"] != 0 or any(f["requests"] or f["bytes"] for f in stats["files"].values()):
            fail("the app contacted the hub before any download was started: %r" % stats)

        xdo(display, "type", "--delay", "10", "qwen 3.5 please")
        xdo(display, "key", "Return")
        rejected = app.wait_event(r'event=repo-rejected message="(.*)"').group(1)
        if "not a Hugging Face model" not in rejected or "owner/name" not in rejected:
            fail("unclear message for a bad repo id: %r" % rejected)
        app.screenshot(display, window, shot("models-repo-invalid.png"))
        xdo(display, "key", "--clearmodifiers", "ctrl+a")
        xdo(display, "key", "BackSpace")

        # ---- 2. download from the catalog with a click; caught in progress ----
        app.click(display, window, "catalog-download-qwen3.5-0.8b")
        app.wait_event(r"event=download-started job=\d+ repo=%s features=text$" % re.escape(REPO))
        total = None
        while True:
            progress = app.wait_event(r"event=download-progress job=\d+ repo=\S+ done=(\d+) total=(\d+) "
                                      r"speed=(\d+) eta=([\d.]+)", timeout=30)
            done, total = int(progress.group(1)), int(progress.group(2))
            if done > total * 0.15 and int(progress.group(3)) > 0:
                break
        folder = os.path.join(data, "models", FOLDER)
        partials = [f for f in os.listdir(folder) if f.endswith(".partial")]
        if "model.safetensors.partial" not in partials:
            fail("no partial weights file mid-download: %r" % os.listdir(folder))
        print("  caught at %d of %d bytes" % (done, total))
        app.click(display, window, "download-files-" + REPO)
        app.wait_event(r"event=download-files .*expanded=true")
        app.screenshot(display, window, shot("models-download.png"))

        # ---- 3. complete: only the text tensors; storage; installed; Use ----
        complete = app.wait_event(r"event=download job=\d+ repo=\S+ state=completed local=(\d+) full=(\d+)", timeout=60)
        local, full = int(complete.group(1)), int(complete.group(2))
        local_sizes, _, local_names = tensor_bytes(os.path.join(folder, "model.safetensors"))
        if local_sizes["vision"] or local_sizes["mtp"] or local_sizes["text"] != sizes["text"]:
            fail("the local weights should hold exactly the text tensors: %r" % local_sizes)
        if local_names != {n for n in names if not n.startswith(("model.visual.", "mtp."))}:
            fail("the local weights' tensor names differ from the text tensors")
        if full - local < sizes["vision"] + sizes["mtp"]:
            fail("bytes saved %d < vision + MTP %d" % (full - local, sizes["vision"] + sizes["mtp"]))
        served = hub.stats()["files"]["model.safetensors"]
        if served["bytes"] >= served["size"] or served["bytes"] > sizes["text"] + header_size:
            fail("the hub served %d bytes of model.safetensors (text tensors: %d, header %d)"
                 % (served["bytes"], sizes["text"], header_size))
        print("  weights: %d of %d bytes fetched, %d saved in all" % (served["bytes"], served["size"], full - local))

        app.click(display, window, "download-files-" + REPO)
        app.wait_event(r"event=download-files .*expanded=false")
        app.press(display, "ctrl+3", r"event=models-tab tab=storage")
        app.screenshot(display, window, shot("models-storage.png"))
        app.press(display, "ctrl+2", r"event=models-tab tab=installed")
        app.click(display, window, "installed-use-" + REPO)
        app.wait_event(r"event=model-loaded model=%s " % re.escape(REPO), timeout=120)
        app.screenshot(display, window, shot("models-installed.png"))
        app.quit(display)

        # ---- 4. dark theme ----
        app = App(args.app, display, env, args=("--theme", "dark"))
        window = app.wait_window()
        app.wait_event(r"event=model-loaded model=%s " % re.escape(REPO), timeout=120)
        focus(display, window)
        app.press(display, "ctrl+m", r"event=page page=models")
        app.press(display, "ctrl+3", r"event=models-tab tab=storage")
        app.screenshot(display, window, shot("models-storage-dark.png"))
        app.press(display, "ctrl+comma", r"event=page page=settings")
        app.screenshot(display, window, shot("models-settings-dark.png"))
        app.quit(display)
    finally:
        if hub:
            hub.close()
        display.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print("models page test passed in %.1f s" % (time.time() - started))


if __name__ == "__main__":
    main()
