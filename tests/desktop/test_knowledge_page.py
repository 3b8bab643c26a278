#!/usr/bin/env python3
"""The knowledge base in the real vole-desktop under Xvfb, driven with real X input events.

A folder of generated documents becomes a collection (`vole index add`, the real CLI, into
the app's data folder); the app, with a tiny chat model and a tiny embedding model in its
models folder, indexes it in the background at start (its --log says when, with the file
and chunk counts). Ctrl+K shows the Knowledge page (screenshot). Back in the chat, the
collection is picked in the header with the mouse and keyboard, a question is typed, and
the answer's sources (saved with it in the database) name the file that holds the answer;
the cited answer with its sources list is screenshot. After a restart the conversation still
asks the collection and the sources are still there.

Screenshots go to --artifacts (build/test-artifacts/knowledge-*.png).
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

from xvfb_app import SKIP, App, Display, fail, focus, parse_test_args, write_settings, xdo


def write_documents(folder):
    os.makedirs(folder)
    facts = {
        "harbour.md": ("Harbour", "The lighthouse keeper is named Orsolya Vantablack."),
        "orchard.md": ("Orchard", "The quince trees were planted in 1887 by the abbey."),
        "engine.md": ("Engine", "Torque wrench settings: 42 newton metres for the manifold."),
    }
    for name, (subject, fact) in facts.items():
        with open(os.path.join(folder, name), "w") as f:
            f.write("# %s\n\n" % subject)
            for i in range(5):
                f.write("Notes on the %s, part %d, in ordinary words for the chunker.\n\n" % (subject.lower(), i))
            f.write(fact + "\n")


def sources_of(db, message):
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT number, path, label FROM message_sources WHERE message_id = ? ORDER BY number",
                            (message,)).fetchall()
    finally:
        conn.close()


def main():
    args = parse_test_args("--vole")
    shot = lambda name: os.path.join(args.artifacts, name)
    started = time.time()
    tmp = tempfile.mkdtemp(prefix="vole-knowledge-page-")
    display = Display()
    try:
        data = os.path.join(tmp, "data")
        models = os.path.join(data, "models", "test")
        for preset in ("tiny-qwen3", "tiny-qwen3-embedding"):
            made = subprocess.run([args.make_checkpoint, "--preset", preset, "--seed", "5", "--out",
                                   os.path.join(models, preset)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True)
            print(made.stdout.rstrip())
            if made.returncode != 0:
                if "tokenizer is missing" in made.stdout and os.environ.get("VOLE_REQUIRE_ORACLES") != "1":
                    print("SKIP: the Qwen3 tokenizer is not fetched (tests/oracles/fetch.sh)")
                    sys.exit(SKIP)
                fail("vole-make-checkpoint failed")
        docs = os.path.join(tmp, "docs")
        write_documents(docs)
        env = {"XDG_RUNTIME_DIR": os.path.join(tmp, "run"), "VOLE_CACHE_DIR": os.path.join(tmp, "cache"),
               "VOLE_DATA_DIR": data, "XDG_CONFIG_HOME": os.path.join(tmp, "config")}
        os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700)
        subprocess.run([args.vole, "index", "add", "Manuals", docs], env=dict(os.environ, **env), check=True)
        chat_model = os.path.join(models, "tiny-qwen3")
        # Random weights give the embedding model no sense of similarity: its floors are off
        # ([knowledge] minSimilarity = -1), so the keyword ranking decides which file is first.
        write_settings(env["XDG_CONFIG_HOME"], **{"appearance/theme": "light", "models/current": chat_model,
                                                   "sampling/max_tokens": 24, "sampling/temperature": 0,
                                                   "knowledge/minSimilarity": -1})

        app = App(args.app, display, env)
        window = app.wait_window()
        indexed = app.wait_event(r"event=knowledge-indexed collection=\d+ files=(\d+) chunks=(\d+) cancelled=false",
                                 timeout=120)
        if int(indexed.group(1)) != 3 or int(indexed.group(2)) < 3:
            fail("expected 3 files indexed into chunks, got %s files, %s chunks" % indexed.groups())
        app.wait_event(r"event=model-loaded model=tiny-qwen3", timeout=120)
        focus(display, window)
        app.press(display, "ctrl+k", r"event=page page=knowledge")
        app.screenshot(display, window, shot("knowledge-page.png"))
        app.press(display, "ctrl+n", r"event=page page=chat")

        # The collection for this chat: the header's picker, by mouse, then the keyboard.
        app.click(display, window, "knowledge-picker")
        app.wait_event(r"event=knowledge-picker-opened")
        xdo(display, "key", "Down")
        xdo(display, "key", "Return")
        app.wait_event(r"event=knowledge-collection-chosen conversation=0 collection=Manuals")
        app.wait_event(r"event=focus target=composer")
        xdo(display, "type", "--delay", "15", "Who is the lighthouse keeper?")
        xdo(display, "key", "Return")
        sent = app.wait_event(r"event=message-sent conversation=(\d+)")
        retrieved = app.wait_event(r"event=knowledge-retrieved message=(\d+) collection=Manuals sources=(\d+)")
        answer = int(retrieved.group(1))
        if int(retrieved.group(2)) < 1:
            fail("the question retrieved no passage")
        app.wait_event(r"event=answer-complete conversation=\d+ message=%d" % answer, timeout=120)
        sources = sources_of(os.path.join(data, "vole.db"), answer)
        if not sources or not sources[0][1].endswith("harbour.md"):
            fail("the answer's first source should be harbour.md, found %r" % (sources,))
        app.screenshot(display, window, shot("knowledge-answer.png"))

        # Whole-document mode: one document picked in the header, a task over all of it; the
        # reading is reported, the document is the answer's one source.
        app.click(display, window, "document-picker")
        app.wait_event(r"event=document-picker-opened documents=3")
        xdo(display, "key", "Down")
        xdo(display, "key", "Return")
        app.wait_event(r"event=knowledge-document-chosen conversation=%s document=\S*engine\.md" % sent.group(1))
        app.wait_event(r"event=focus target=composer")
        xdo(display, "type", "--delay", "15", "Summarise this document.")
        xdo(display, "key", "Return")
        read = app.wait_event(r"event=knowledge-document-read message=(\d+) document=\S*engine\.md chunks=(\d+)")
        app.wait_event(r'event=document-reading stage="Reading engine\.md: part 1 of 1"', timeout=60)
        whole = int(read.group(1))
        app.wait_event(r"event=answer-complete conversation=\d+ message=%d" % whole, timeout=120)
        sources = sources_of(os.path.join(data, "vole.db"), whole)
        if len(sources) != 1 or not sources[0][1].endswith("engine.md") or "read whole" not in sources[0][2]:
            fail("the whole-document answer's source should be engine.md alone, found %r" % (sources,))
        app.screenshot(display, window, shot("knowledge-whole-document.png"))
        app.quit(display)

        # Restart: the conversation still asks the collection; its sources are still shown.
        write_settings(env["XDG_CONFIG_HOME"], **{"appearance/theme": "dark", "models/current": chat_model,
                                                   "chat/lastConversation": sent.group(1),
                                                   "knowledge/minSimilarity": -1})
        app = App(args.app, display, env)
        window = app.wait_window()
        app.wait_event(r"event=conversation-opened conversation=%s messages=4" % sent.group(1))
        app.screenshot(display, window, shot("knowledge-answer-dark.png"))
        app.quit(display)
        conn = sqlite3.connect(os.path.join(data, "vole.db"))
        stored = conn.execute("SELECT knowledge_collection FROM conversations WHERE id = ?",
                              (int(sent.group(1)),)).fetchone()
        conn.close()
        if stored != ("Manuals",):
            fail("the conversation should remember its collection, found %r" % (stored,))
    finally:
        display.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print("knowledge page test passed in %.1f s" % (time.time() - started))


if __name__ == "__main__":
    main()
