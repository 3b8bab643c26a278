// Drives `vole serve` with the official OpenAI JavaScript SDK, as any tool would.
// usage: node openai_sdk_client.mjs VOLE MODEL_DIR SDK_DIR README EMBED_DIR STT_DIR
// Starts the server on a free loopback port with an API key, runs the checks, stops it;
// then runs the README's curl examples against a server started as the README says.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const [vole, modelDir, sdkDir, readme, embedDir, sttDir] = process.argv.slice(2);
const require = createRequire(path.join(sdkDir, "package.json"));
const OpenAI = require("openai").default ?? require("openai");

const KEY = "test-key-" + Math.random().toString(36).slice(2);
const MODEL = "tiny";

function startServer(name = MODEL, key = KEY, extra = []) {
  const env = { ...process.env, VOLE_API_KEY: key };
  if (!key) delete env.VOLE_API_KEY;
  const child = spawn(vole, ["serve", "-m", modelDir, "--name", name, "--port", "0", "--weights", "f32",
                             "--ctx", "2048", ...extra],
                      { env, stdio: ["ignore", "inherit", "pipe"] });
  let log = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("vole serve did not start:\n" + log)), 120000);
    child.stderr.on("data", (d) => {
      log += d;
      process.stderr.write(d);
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(log);
      if (m) { clearTimeout(timer); resolve({ child, baseURL: m[1] }); }
    });
    child.on("exit", (code) => reject(new Error(`vole serve exited (${code}):\n` + log)));
  });
}

async function metric(baseURL, name) {
  const res = await fetch(baseURL.replace(/\/v1$/, "/metrics"), { headers: { Authorization: `Bearer ${KEY}` } });
  const text = await res.text();
  const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : 0;
}

// The chat model, an embedding model and a speech-to-text model side by side (and the
// espeak-ng voice, always served).
const { child, baseURL } = await startServer(MODEL, KEY, ["-m", embedDir, "--name", "tiny-embed", "-m", sttDir,
                                                          "--name", "tiny-stt"]);
const client = new OpenAI({ apiKey: KEY, baseURL, maxRetries: 0, timeout: 120000 });
const results = [];
async function check(name, fn) {
  const t = Date.now();
  await fn();
  results.push(name);
  console.log(`ok ${name} (${Date.now() - t} ms)`);
}

try {
  const base = { model: MODEL, messages: [{ role: "user", content: "Tell me a story." }], temperature: 0, seed: 42,
                 max_tokens: 32 };
  let whole;

  await check("models.list and retrieve", async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.deepEqual(ids, [MODEL, "tiny-embed", "tiny-stt", "espeak-ng"]);
    const m = await client.models.retrieve(MODEL);
    assert.equal(m.id, MODEL);
    assert.equal(m.object, "model");
  });

  await check("chat non-streaming", async () => {
    whole = await client.chat.completions.create(base);
    assert.equal(whole.object, "chat.completion");
    assert.equal(whole.choices.length, 1);
    assert.equal(whole.choices[0].message.role, "assistant");
    assert.ok(whole.choices[0].message.content.length >= 8, "the tiny model says something");
    assert.ok(["stop", "length"].includes(whole.choices[0].finish_reason));
    const u = whole.usage;
    assert.ok(u.prompt_tokens > 5 && u.completion_tokens > 0 && u.completion_tokens <= 32);
    assert.equal(u.total_tokens, u.prompt_tokens + u.completion_tokens);
    // Same seed, greedy: the same answer again.
    const again = await client.chat.completions.create(base);
    assert.equal(again.choices[0].message.content, whole.choices[0].message.content);
  });

  await check("chat streaming equals non-streaming, usage in the last chunk", async () => {
    const stream = await client.chat.completions.create({ ...base, stream: true,
                                                          stream_options: { include_usage: true } });
    let text = "", finish = null, usage = null, chunks = 0, role = null;
    for await (const chunk of stream) {
      chunks++;
      if (chunk.usage) usage = chunk.usage;
      if (!chunk.choices.length) continue;
      const c = chunk.choices[0];
      if (c.delta.role) role = c.delta.role;
      text += c.delta.content ?? "";
      if (c.finish_reason) finish = c.finish_reason;
    }
    assert.equal(role, "assistant");
    assert.equal(text, whole.choices[0].message.content);
    assert.equal(finish, whole.choices[0].finish_reason);
    assert.deepEqual(usage, whole.usage);
    assert.ok(chunks > 3);
  });

  await check("tools and a tool result go through the template; streamed equals whole", async () => {
    const tools = [{ type: "function", function: { name: "get_weather", description: "Weather for a city.",
                     parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }];
    const messages = [
      { role: "user", content: "Weather in Oslo?" },
      { role: "assistant", content: null,
        tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Oslo\"}" } }] },
      { role: "tool", tool_call_id: "call_1", content: "sunny" },
    ];
    const req = { ...base, messages, tools, max_tokens: 8 };
    const r = await client.chat.completions.create(req);
    assert.equal(typeof r.choices[0].message.content, "string", "a random model writes text, not a call");
    const plain = await client.chat.completions.create({ ...req, tool_choice: "none" });
    assert.ok(r.usage.prompt_tokens > plain.usage.prompt_tokens + 20, "the tool definitions are in the prompt");
    let text = "";
    for await (const chunk of await client.chat.completions.create({ ...req, stream: true }))
      text += chunk.choices[0]?.delta?.content ?? "";
    assert.equal(text, r.choices[0].message.content);
    await assert.rejects(client.chat.completions.create({ ...req, tool_choice: "required" }),
                         (e) => e.status === 400 && e.param === "tool_choice");
  });

  await check("embeddings: base64 (the SDK's default) equals floats; dimensions cut and re-normalise", async () => {
    const input = ["The quick brown fox.", "A second sentence."];
    const b = await client.embeddings.create({ model: "tiny-embed", input });
    const f = await client.embeddings.create({ model: "tiny-embed", input, encoding_format: "float" });
    assert.equal(b.data.length, 2);
    assert.equal(b.object, "list");
    assert.ok(b.usage.prompt_tokens > 4);
    for (let i = 0; i < 2; i++) {
      assert.equal(b.data[i].index, i);
      assert.equal(b.data[i].embedding.length, f.data[i].embedding.length);
      b.data[i].embedding.forEach((x, c) => assert.ok(Math.abs(x - f.data[i].embedding[c]) < 1e-6));
    }
    const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    const cut = await client.embeddings.create({ model: "tiny-embed", input: input[0], dimensions: 16 });
    assert.equal(cut.data[0].embedding.length, 16);
    assert.ok(Math.abs(norm(cut.data[0].embedding) - 1) < 1e-5);
    assert.ok(Math.abs(norm(f.data[0].embedding) - 1) < 1e-5);
    await assert.rejects(client.embeddings.create({ model: MODEL, input: "x" }), (e) => e.status === 400);
  });

  await check("audio: speech as WAV and PCM, transcribed as `vole transcribe` does", async () => {
    const input = "Hello from Vole. The server speaks and listens.";
    const wav = Buffer.from(await (await client.audio.speech.create(
      { model: "espeak-ng", voice: "alloy", input, response_format: "wav" })).arrayBuffer());
    assert.equal(wav.toString("latin1", 0, 4), "RIFF");
    assert.equal(wav.toString("latin1", 8, 12), "WAVE");
    assert.equal(wav.readUInt32LE(24), 22050, "the voice's own rate");
    const seconds = (wav.length - 44) / 2 / 22050;
    assert.ok(seconds > 1.5, `${seconds} s of speech`);
    const pcm = Buffer.from(await (await client.audio.speech.create(
      { model: "espeak-ng", voice: "alloy", input, response_format: "pcm" })).arrayBuffer());
    assert.ok(Math.abs(pcm.length / 2 / 24000 - seconds) < 0.05, "24 kHz PCM of the same speech");

    const dir = mkdtempSync(path.join(os.tmpdir(), "vole-sdk-audio-"));
    try {
      const file = path.join(dir, "speech.wav");
      writeFileSync(file, wav);
      const want = await new Promise((resolve, reject) =>
        execFile(vole, ["transcribe", "-m", sttDir, "--weights", "f32", "--json", file],
                 (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(JSON.parse(stdout)))));
      const t = await client.audio.transcriptions.create({ model: "tiny-stt", file: createReadStream(file) });
      assert.equal(t.text, want.text);
      const v = await client.audio.transcriptions.create({ model: "tiny-stt", file: createReadStream(file),
                                                           response_format: "verbose_json" });
      assert.equal(v.text, want.text);
      assert.equal(v.segments.length, want.segments.length);
      assert.ok(Math.abs(v.duration - want.seconds) < 1e-6);
      const text = await client.audio.transcriptions.create({ model: "tiny-stt", file: createReadStream(file),
                                                              response_format: "text" });
      assert.equal(String(text).trim(), want.text.trim());
      await assert.rejects(client.audio.transcriptions.create({ model: "tiny-stt", file: createReadStream(file),
                                                                response_format: "srt" }),
                           (e) => e.status === 400 && e.param === "response_format");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  await check("logprobs: one entry per generated token, the greedy token the most likely", async () => {
    const r = await client.chat.completions.create({ ...base, max_tokens: 6, logprobs: true, top_logprobs: 3 });
    const content = r.choices[0].logprobs.content;
    assert.equal(content.length, r.usage.completion_tokens);
    for (const t of content) {
      assert.equal(t.top_logprobs.length, 3);
      assert.ok(t.logprob <= 0 && Math.abs(t.logprob - t.top_logprobs[0].logprob) < 1e-6);
    }
  });

  await check("stop sequences", async () => {
    const content = whole.choices[0].message.content;
    // A stop string from the middle of the answer: the answer ends just before it.
    let at = Math.floor(content.length / 2);
    let stop = content.slice(at, at + 3);
    at = content.indexOf(stop);
    const r = await client.chat.completions.create({ ...base, stop: [stop, "\u0001never"] });
    assert.equal(r.choices[0].message.content, content.slice(0, at));
    assert.equal(r.choices[0].finish_reason, "stop");
    const s = await client.chat.completions.create({ ...base, stop, stream: true });
    let text = "";
    for await (const chunk of s) text += chunk.choices[0]?.delta?.content ?? "";
    assert.equal(text, content.slice(0, at));
  });

  await check("vole run --remote gives the same answer", async () => {
    const out = await new Promise((resolve, reject) => {
      execFile(vole, ["run", "--remote", baseURL, "--model", MODEL, "-p", base.messages[0].content, "--temp", "0",
                      "--seed", "42", "-n", "32", "--no-stats"],
               { env: { ...process.env, VOLE_API_KEY: KEY } },
               (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout)));
    });
    assert.equal(out, whole.choices[0].message.content + "\n");
    const wrong = await new Promise((resolve) => {
      execFile(vole, ["run", "--remote", baseURL, "--model", MODEL, "-p", "hi"],
               { env: { ...process.env, VOLE_API_KEY: "nope" } }, (err, stdout, stderr) => resolve({ err, stderr }));
    });
    assert.equal(wrong.err?.code, 1);
    assert.match(wrong.stderr, /refused the API key \(HTTP 401\)/);
  });

  await check("vole chat --remote: the same answer, then a follow-up turn", async () => {
    const chat = spawn(vole, ["chat", "--remote", baseURL, "--model", MODEL, "--temp", "0", "--seed", "42", "-n", "32"],
                       { env: { ...process.env, VOLE_API_KEY: KEY } });
    let out = "";
    chat.stdout.on("data", (d) => (out += d));
    chat.stdin.end(base.messages[0].content + "\nAnd then?\n/quit\n");
    const code = await new Promise((r) => chat.on("exit", r));
    assert.equal(code, 0);
    const first = whole.choices[0].message.content + "\n";
    assert.ok(out.startsWith(first), out);
    // The second turn is the server's answer to the whole conversation.
    const follow = await client.chat.completions.create({
      ...base, messages: [...base.messages, { role: "assistant", content: whole.choices[0].message.content },
                          { role: "user", content: "And then?" }] });
    assert.equal(out, first + follow.choices[0].message.content + "\n");
  });

  await check("max_completion_tokens and finish_reason length", async () => {
    const r = await client.chat.completions.create({ ...base, max_tokens: undefined, max_completion_tokens: 3 });
    assert.equal(r.usage.completion_tokens, 3);
    assert.equal(r.choices[0].finish_reason, "length");
  });

  await check("completions", async () => {
    const r = await client.completions.create({ model: MODEL, prompt: "Once upon a time", max_tokens: 8,
                                                temperature: 0, seed: 1 });
    assert.equal(r.object, "text_completion");
    assert.equal(r.usage.completion_tokens, r.choices[0].finish_reason === "length" ? 8 : r.usage.completion_tokens);
    const s = await client.completions.create({ model: MODEL, prompt: "Once upon a time", max_tokens: 8,
                                                temperature: 0, seed: 1, stream: true });
    let text = "";
    for await (const chunk of s) text += chunk.choices[0]?.text ?? "";
    assert.equal(text, r.choices[0].text);
  });

  await check("malformed requests are 400 in OpenAI's error shape", async () => {
    await assert.rejects(client.chat.completions.create({ model: MODEL, messages: "hello" }), (e) => {
      assert.equal(e.status, 400);
      assert.equal(e.param, "messages");
      assert.equal(e.type, "invalid_request_error");
      return true;
    });
    await assert.rejects(client.chat.completions.create({ ...base, n: 2 }), (e) => e.status === 400 && e.param === "n");
    await assert.rejects(client.chat.completions.create({ ...base, temperature: 7 }), (e) => e.status === 400);
    const res = await fetch(`${baseURL}/chat/completions`, { method: "POST", body: "{\"model\": ",
                                                            headers: { Authorization: `Bearer ${KEY}`,
                                                                       "Content-Type": "application/json" } });
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.equal(body.error.type, "invalid_request_error");
  });

  await check("unknown model is 404", async () => {
    await assert.rejects(client.chat.completions.create({ ...base, model: "../../etc/passwd" }),
                         (e) => e.status === 404 && e.code === "model_not_found");
  });

  await check("wrong or missing key is 401", async () => {
    const wrong = new OpenAI({ apiKey: KEY + "x", baseURL, maxRetries: 0 });
    await assert.rejects(wrong.models.list(), (e) => e.status === 401 && e.constructor.name === "AuthenticationError");
    const res = await fetch(`${baseURL}/models`);
    assert.equal(res.status, 401);
  });

  await check("a client that disconnects mid-stream cancels its generation; the server stays healthy", async () => {
    const tokensBefore = await metric(baseURL, "vole_generated_tokens_total");
    const cancelledBefore = await metric(baseURL, "vole_generations_cancelled_total");
    const stream = await client.chat.completions.create({ ...base, max_tokens: 1500, stream: true });
    let received = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta?.content) received++;
      if (received === 5) break;  // leaving the loop aborts the request
    }
    let cancelled = cancelledBefore;
    for (let i = 0; i < 200 && cancelled === cancelledBefore; i++) {
      await new Promise((r) => setTimeout(r, 50));
      cancelled = await metric(baseURL, "vole_generations_cancelled_total");
    }
    assert.equal(cancelled, cancelledBefore + 1, "the generation was cancelled");
    const generated = (await metric(baseURL, "vole_generated_tokens_total")) - tokensBefore;
    console.log(`   disconnect: client read ${received} text deltas; the server generated ${generated} tokens ` +
                `of 1500 before it stopped`);
    assert.ok(generated < 100, `cancelled promptly (${generated} tokens)`);
    const after = await client.chat.completions.create(base);
    assert.equal(after.choices[0].message.content, whole.choices[0].message.content);
    const health = await (await fetch(baseURL.replace(/\/v1$/, "/health"),
                                      { headers: { Authorization: `Bearer ${KEY}` } })).json();
    assert.equal(health.status, "ok");
    assert.equal(health.models[0].queued, 0);
  });
} finally {
  child.kill("SIGTERM");
  await new Promise((r) => child.on("exit", r));
}
// The README's curl examples, as written, against a server without a key.
{
  const block = /<!-- The commands below are run[^\n]*\n```sh\n([\s\S]*?)```/.exec(readFileSync(readme, "utf8"));
  assert.ok(block, "the README's tested block");
  const lines = block[1].replace(/\\\n\s*/g, "").split("\n").filter((l) => l.trim());
  const serveLine = /^vole serve -m ~\/models\/(\S+) &$/.exec(lines[0]);
  assert.ok(serveLine, "the block starts the server: " + lines[0]);
  const { child: server, baseURL: url } = await startServer(serveLine[1], "");
  const origin = url.replace(/\/v1$/, "");
  try {
    const run = (cmd) => new Promise((resolve, reject) =>
      execFile("bash", ["-c", cmd.replaceAll("http://127.0.0.1:8080", origin)],
               (err, stdout) => (err ? reject(err) : resolve(stdout))));
    await check("README: curl models", async () => {
      assert.equal(JSON.parse(await run(lines[1])).data[0].id, serveLine[1]);
    });
    await check("README: curl chat", async () => {
      assert.equal(typeof JSON.parse(await run(lines[2])).choices[0].message.content, "string");
    });
    await check("README: curl streamed chat", async () => {
      const out = await run(lines[3]);
      assert.match(out, /^data: \{.*"chat.completion.chunk"/);
      assert.ok(out.endsWith("data: [DONE]\n\n"), out.slice(-40));
    });
  } finally {
    server.kill("SIGTERM");
    await new Promise((r) => server.on("exit", r));
  }
}
console.log(`${results.length} checks passed`);
