import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { ChatController, type ChatHost, renderMarkdown, type ToWebview } from "../src/chat";
import { DaemonClient } from "../src/protocol";
import { type FakeDaemon, startFakeDaemon } from "./daemon";

describe("markdown (pure)", () => {
  test("raw HTML in an answer is shown, never run", () => {
    const { html } = renderMarkdown('<script>alert(1)</script> and <img src=x onerror="alert(2)">', 0);
    assert.ok(!html.includes("<script>") && !html.includes("<img"));
    assert.ok(html.includes("&lt;script&gt;"));
  });

  test("code blocks get insert and copy buttons and are collected", () => {
    const { html, blocks } = renderMarkdown("text\n```python\nx = '<b>'\n```\n\n```\ny\n```", 3);
    assert.deepEqual(blocks, ["x = '<b>'\n", "y\n"]);
    assert.ok(html.includes('data-action="insert" data-turn="3" data-block="1"'));
    assert.ok(html.includes("x = &#39;&lt;b&gt;&#39;"));
  });
});

describe("the chat view's messages against a real daemon", () => {
  let daemon: FakeDaemon;
  let client: DaemonClient;
  before(async () => {
    daemon = await startFakeDaemon(
      [
        ["slowly", "one two three four five six seven eight nine ten eleven twelve"],
        ["hello", "Here:\n```python\nprint(1)\n```\nDone."],
      ],
      { delay: 0.02 },
    );
    client = await DaemonClient.connect(daemon.url, daemon.token, "0.0.1");
  });
  after(async () => {
    client.close();
    await daemon.stop();
  });

  function host(extra: Partial<ChatHost> = {}) {
    const posted: ToWebview[] = [];
    const inserted: string[] = [];
    const h: ChatHost = {
      call: (method, params, options) => client.call(method, params, options),
      post: (message) => posted.push(message),
      insertAtCursor: (code) => void inserted.push(code),
      copy: () => undefined,
      selection: () => undefined,
      sessionKey: () => daemon.home,
      ...extra,
    };
    return { h, posted, inserted };
  }

  test("ask, stream, then insert a code block at the cursor", async () => {
    const { h, posted, inserted } = host();
    const chat = new ChatController(h);
    await chat.handle({ type: "ready" });
    assert.equal(posted[0].type, "sessions");
    await chat.handle({ type: "send", text: "hello" });
    const streamed = posted.filter((m) => m.type === "streaming");
    assert.ok(streamed.length >= 2, "the answer streams");
    const transcript = posted.filter((m) => m.type === "transcript").at(-1);
    assert.ok(transcript?.type === "transcript");
    assert.deepEqual(transcript.turns.map((t) => t.role), ["user", "assistant"]);
    assert.ok(transcript.turns[1].html.includes('data-action="insert" data-turn="1" data-block="0"'));
    await chat.handle({ type: "insert", turn: 1, block: 0 });
    assert.deepEqual(inserted, ["print(1)\n"]);
    assert.ok(!posted.some((m) => m.type === "error"));

    // The conversation is the daemon's: a new view of the same workspace sees it.
    const again = host();
    await new ChatController(again.h).handle({ type: "ready" });
    const restored = again.posted.find((m) => m.type === "transcript");
    assert.equal(restored?.type === "transcript" && restored.turns.length, 2);
  });

  test("stop keeps the partial answer", async () => {
    const { h, posted } = host({ sessionKey: () => `${daemon.home}/other` });
    const chat = new ChatController(h);
    await chat.handle({ type: "ready" });
    const answer = chat.handle({ type: "send", text: "slowly" });
    await new Promise((r) => setTimeout(r, 120));
    assert.ok(chat.busy);
    await chat.handle({ type: "cancel" });
    await answer;
    assert.ok(posted.some((m) => m.type === "notice" && /stopped/.test(m.message)));
    const last = posted.filter((m) => m.type === "transcript").at(-1);
    assert.ok(last?.type === "transcript");
    assert.match(last.turns.at(-1)?.html ?? "", /one two/);
  });

  test("a new conversation opened while an answer streams gets none of it", async () => {
    // The answer's text went into the new conversation's turns: a TypeError in the socket's
    // message handler, after which ws delivered nothing more to any feature.
    const { h, posted } = host({ sessionKey: () => `${daemon.home}/switching` });
    const chat = new ChatController(h);
    await chat.handle({ type: "ready" });
    const answer = chat.handle({ type: "send", text: "slowly" });
    await new Promise((r) => setTimeout(r, 100));
    await chat.handle({ type: "newSession" });
    const opened = posted.length;
    await answer;
    assert.ok(!posted.slice(opened).some((m) => m.type === "streaming"));
    const shown = posted.filter((m) => m.type === "transcript").at(-1);
    assert.ok(shown?.type === "transcript" && shown.turns.length === 0, "the new one is empty");
    const listed = (await client.call("sessions/list", {})) as { sessions: unknown[] };
    assert.ok(listed.sessions.length >= 2, "the connection still answers");
  });

  test("attach the selection; without one, a message that says what to do", async () => {
    const file = join(daemon.home, "calc.py");
    writeFileSync(file, "def add(a, b):\n    return a + b\n");
    const none = host();
    await new ChatController(none.h).handle({ type: "attachSelection" });
    assert.ok(none.posted.some((m) => m.type === "error" && /select some lines/.test(m.message)));
    const { h, posted } = host({ selection: () => ({ path: file, lines: "1:2" }) });
    const chat = new ChatController(h);
    await chat.handle({ type: "attachSelection" });
    const transcript = posted.filter((m) => m.type === "transcript").at(-1);
    assert.ok(transcript?.type === "transcript" && transcript.attachments.length === 1);
    assert.match(transcript.attachments[0], /calc\.py/);
  });

  test("lines of a file with unsaved changes are not attached from the disk", async () => {
    // The daemon read the lines from the saved file: other code than the selection.
    const file = join(daemon.home, "draft.py");
    writeFileSync(file, "X = 1\n");
    const { h, posted } = host({ selection: () => ({ path: file, lines: "1:1", unsaved: true }) });
    const chat = new ChatController(h);
    await chat.handle({ type: "attachSelection" });
    assert.ok(posted.some((m) => m.type === "error" && /save the file first/.test(m.message)));
    assert.ok(!posted.some((m) => m.type === "notice" && /attached/.test(m.message)));
  });

  test("a code block that no longer exists is an error, not a crash", async () => {
    const { h, posted } = host();
    const chat = new ChatController(h);
    await chat.handle({ type: "ready" });
    await chat.handle({ type: "copy", turn: 99, block: 0 });
    assert.ok(posted.some((m) => m.type === "error"));
  });
});
