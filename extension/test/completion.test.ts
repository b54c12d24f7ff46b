import type { ContextAddParams } from "../src/params";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { AdaptiveDebounce, type Cancellation, clipContext, CompletionEngine, type CompletionSettings, type CursorContext } from "../src/completion";
import { ContextFeeder, MAX_LINE_CHARS, around } from "../src/context";
import { DaemonClient } from "../src/protocol";
import { type FakeDaemon, startFakeDaemon } from "./daemon";

const SETTINGS: CompletionSettings = { debounceMinMs: 0, debounceMaxMs: 300, maxLines: 8, contextChars: 4000 };

class Token implements Cancellation {
  isCancellationRequested = false;
  private listeners: Array<() => void> = [];
  cancel(): void {
    this.isCancellationRequested = true;
    for (const listener of this.listeners) listener();
  }
  onCancellationRequested(listener: () => void) {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  }
}

function cursor(before: string, after = "\n", document = "file:///work/calc.py"): CursorContext {
  return { document, path: "/work/calc.py", languageId: "python", before, after };
}

describe("debounce and clipping (pure)", () => {
  test("typing faster than answers come waits longer; answers that beat the typist go at once", () => {
    let now = 0;
    const debounce = new AdaptiveDebounce(() => now);
    debounce.keystroke();
    assert.equal(debounce.delay(20, 300), 20, "nothing known yet");
    for (let i = 0; i < 10; i++) {
      now += 80;
      debounce.keystroke();
    }
    debounce.answered(600);
    assert.equal(debounce.delay(20, 300), 100, "a bit longer than the 80 ms typing rhythm");
    for (let i = 0; i < 10; i++) debounce.answered(10); // the daemon got fast (cache, type-through)
    assert.equal(debounce.delay(20, 300), 20);
  });

  test("a huge file is clipped at line ends, not sent whole", () => {
    const line = "x = 1\n";
    const { before, after } = clipContext(line.repeat(200_000), line.repeat(200_000), 4000);
    assert.ok(before.length + after.length <= 4000);
    assert.ok(before.startsWith("x = 1") && before.endsWith("\n"));
    assert.ok(after.endsWith("\n") && after.length >= 900);
  });

  test("a long line is never cut inside an emoji", () => {
    // One 8,000-emoji line (minified code, say): no newline to cut at, and a cut at an odd
    // offset left half of one, which the daemon refuses as not valid Unicode.
    const emoji = "😀".repeat(4000);
    for (const limit of [999, 1000, 4001]) {
      const { before, after } = clipContext(emoji, emoji, limit);
      assert.ok(before.length + after.length <= limit);
      for (const text of [before, after]) assert.equal(text.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ""), "");
    }
  });

  test("context chunks are the lines around the place, never the whole file", () => {
    const text = Array.from({ length: 1000 }, (_, i) => `line ${i + 1}`).join("\n");
    const part = around(text, 500);
    assert.equal(part.text.split("\n").length, 97);
    assert.equal(part.text.split("\n")[part.line - 1], "line 500");
    const sent: ContextAddParams[] = [];
    let now = 0;
    const feeder = new ContextFeeder((p) => sent.push(p), () => now);
    const offer = { path: "/w/a.py", text, line: 500, origin: "opened" as const };
    assert.ok(feeder.offer(offer));
    assert.ok(!feeder.offer({ ...offer, line: 510 }), "the same place again soon is skipped");
    now += 20_000;
    assert.ok(feeder.offer({ ...offer, line: 510 }));
    feeder.edited("/w/a.py", 10, () => ({ path: "/w/a.py", text }));
    feeder.edited("/w/a.py", 12, () => ({ path: "/w/a.py", text }));
    feeder.edited("/w/a.py", 300, () => ({ path: "/w/a.py", text }));
    assert.deepEqual(sent.map((p) => p.origin), ["opened", "opened", "edited"]);
    // Closed and opened again at once: that opening is sent (the daemon reads the prompt
    // ahead on it), and nothing of the closed document is kept.
    feeder.forget("/w/a.py");
    assert.ok(feeder.offer({ ...offer, line: 510 }));
  });

  test("a line of megabytes (a minified bundle, a source map) is sent cut, never whole", () => {
    // Sent whole, it was over the daemon's 8 MiB message limit: the connection every request
    // of the window shares closed.
    const huge = `{"mappings":"${"AAAA;".repeat(2_000_000)}\u{1F680}"}`;
    const part = around(`first\n${huge}\nlast\n`, 2);
    const line = part.text.split("\n")[1] ?? "";
    assert.ok(line.length <= MAX_LINE_CHARS && huge.startsWith(line));
    const sent: ContextAddParams[] = [];
    new ContextFeeder((params) => void sent.push(params)).copied({ path: "/w/a.map", text: `a\n${huge}\nb\nc\n` });
    const copied = sent[0]?.text ?? "";
    assert.ok(copied.length > 0 && copied.length < 4 * MAX_LINE_CHARS, String(copied.length));
  });

  test("copied text is sent as it was selected, not the lines around it", () => {
    const sent: ContextAddParams[] = [];
    const feeder = new ContextFeeder((p) => sent.push(p));
    assert.ok(!feeder.copied({ path: "/w/a.py", text: "total" }), "a word tells the model nothing");
    const copied = "def total(items):\n    return sum(\n        item.price for item in items\n    )";
    assert.ok(feeder.copied({ path: "/w/a.py", workspace: "/w", text: copied }));
    assert.ok(feeder.copied({ path: "/w/a.py", text: copied }), "a copy is deliberate: never skipped as near");
    assert.deepEqual(sent[0], { path: "/w/a.py", workspace: "/w", text: copied, line: 2, origin: "copied" });
    const huge = Array.from({ length: 500 }, (_, i) => `line ${i + 1}`).join("\n");
    feeder.copied({ path: "/w/b.py", text: huge });
    assert.equal(String(sent[2].text).split("\n").length, 96, "a huge copy is cut, not sent whole");
  });
});

describe("inline completion against a real daemon", () => {
  let daemon: FakeDaemon;
  let client: DaemonClient;
  const sent: Array<{ method: string; params: Record<string, unknown> }> = [];
  const call = (method: string, params: object, options?: object) => {
    sent.push({ method, params: params as Record<string, unknown> });
    return client.call(method, params, options);
  };

  before(async () => {
    daemon = await startFakeDaemon(
      [
        ["slow_function", " one two three four five six seven eight"],
        ["def add(a, b):\n    return", " a + b"],
        ["def sub(a, b):\n    return", " a - b"],
        ["run(compute(", "x) # \u{1F680} fast, cached"],
      ],
      { delay: 0.05 },
    );
    client = await DaemonClient.connect(daemon.url, daemon.token, "0.0.1");
  });
  after(async () => {
    client.close();
    await daemon.stop();
  });

  test("a suggestion, then typing its start is answered locally", async () => {
    const engine = new CompletionEngine(call, () => SETTINGS);
    const first = await engine.suggest(cursor("def add(a, b):\n    return "), new Token());
    assert.equal(first?.text, "a + b");
    assert.equal(first?.source, "model");
    const requests = engine.stats.requests;
    const next = await engine.suggest(cursor("def add(a, b):\n    return a "), new Token());
    assert.deepEqual({ text: next?.text, source: next?.source, id: next?.requestId }, { text: "+ b", source: "client", id: first?.requestId });
    assert.equal(engine.stats.requests, requests, "no request for a type-through");
  });

  test("what a suggestion replaces after the cursor is counted in the editor's units", async () => {
    // The daemon counts code points, VS Code UTF-16 units: a rest of the line with an emoji
    // in it kept its last character after the suggestion (or half of the emoji).
    const engine = new CompletionEngine(call, () => SETTINGS);
    const rest = ") # \u{1F680} fast";
    const got = await engine.suggest(cursor("run(compute(", `${rest}\n`), new Token());
    assert.equal(got?.text, "x) # \u{1F680} fast, cached");
    assert.equal(got?.replace, rest.length); // 12 units: 11 code points
  });

  test("cancelled while debouncing: no request at all", async () => {
    const engine = new CompletionEngine(call, () => ({ ...SETTINGS, debounceMinMs: 200 }));
    const token = new Token();
    const pending = engine.suggest(cursor("def add(a, b):\n    return "), token);
    setTimeout(() => token.cancel(), 20);
    assert.equal(await pending, undefined);
    assert.equal(engine.stats.requests, 0);
  });

  test("cancelled during the request: $/cancel, nothing shown, quickly", async () => {
    const engine = new CompletionEngine(call, () => SETTINGS);
    const token = new Token();
    const started = Date.now();
    const pending = engine.suggest(cursor("def slow_function():\n    "), token);
    setTimeout(() => token.cancel(), 100);
    assert.equal(await pending, undefined);
    assert.ok(Date.now() - started < 350, "it did not wait for the eight slow tokens");
    assert.equal(engine.stats.cancelled, 1);
  });

  test("accepted and replaced suggestions are reported with feedback", async () => {
    const engine = new CompletionEngine(call, () => SETTINGS);
    const stats = async () => {
      const all = (await client.call("stats")) as { models: Array<{ accepted: number; shown: number }> };
      return { accepted: all.models[0].accepted, shown: all.models[0].shown };
    };
    const start = await stats();
    const add = await engine.suggest(cursor("def add(a, b):\n    return ", "\n", "file:///work/add.py"), new Token());
    assert.ok(add);
    engine.accepted(add.requestId);
    engine.accepted(add.requestId); // once only
    const sub = await engine.suggest(cursor("def sub(a, b):\n    return ", "\n", "file:///work/sub.py"), new Token());
    assert.equal(sub?.text, "a - b");
    engine.dismissed(); // rejected
    await new Promise((r) => setTimeout(r, 200));
    const end = await stats();
    assert.deepEqual({ accepted: end.accepted - start.accepted, shown: end.shown - start.shown }, { accepted: 1, shown: 2 });
  });

  test("a huge document is clipped before it is sent", async () => {
    const engine = new CompletionEngine(call, () => SETTINGS);
    const huge = "# filler line\n".repeat(400_000); // 5.6 MB
    const result = await engine.suggest(cursor(`${huge}def add(a, b):\n    return `, huge), new Token());
    assert.equal(result?.text, "a + b");
    const request = sent.filter((s) => s.method === "complete").at(-1)!;
    assert.ok(String(request.params.prefix).length + String(request.params.suffix).length <= SETTINGS.contextChars);
  });
});
