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
        ["at length", Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ")],
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

  test("Stop is for the session shown: another may be asked while one answers, and neither is stopped", async () => {
    // Busy was the panel's: in another conversation nothing could be asked, and Stop there
    // stopped the answer being written in the first.
    const { h, posted } = host({ sessionKey: () => `${daemon.home}/two-at-once` });
    const chat = new ChatController(h);
    await chat.handle({ type: "ready" });
    const first = (posted.filter((m) => m.type === "sessions").at(-1) as { current: string }).current;
    const answer = chat.handle({ type: "send", text: "two at once, at length" });
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(chat.busy);
    await chat.handle({ type: "newSession" });
    assert.ok(!chat.busy);
    assert.deepEqual(posted.filter((m) => m.type === "busy").at(-1), { type: "busy", busy: false });
    await chat.handle({ type: "cancel" }); // nothing of this session's to stop
    await chat.handle({ type: "send", text: "hello" });
    await answer;
    assert.ok(!posted.some((m) => m.type === "error"), JSON.stringify(posted.filter((m) => m.type === "error")));
    const asked = (await client.call("sessions/get", { session: first })) as { turns: Array<{ content: string; interrupted: boolean }> };
    assert.ok(!asked.turns[1].interrupted && /word59/.test(asked.turns[1].content), "the first answer was written whole");
    const shown = posted.filter((m) => m.type === "transcript").at(-1);
    assert.ok(shown?.type === "transcript" && shown.turns.length === 2 && /print/.test(shown.turns[1].html));
    assert.ok(!posted.some((m) => m.type === "notice" && /stopped/.test(m.message)));
  });

  test("the page drawn anew while an answer streams shows that session, streaming, and Stop stops it", async () => {
    // The view moved to another panel got a controller of its own: it showed the
    // workspace's newest session and could not stop the answer still being written.
    const { h, posted } = host({ sessionKey: () => `${daemon.home}/redrawn-page` });
    const chat = new ChatController(h);
    await chat.handle({ type: "ready" });
    const older = (posted.filter((m) => m.type === "sessions").at(-1) as { current: string }).current;
    await chat.handle({ type: "newSession" });
    await chat.handle({ type: "openSession", id: older });
    const answer = chat.handle({ type: "send", text: "a page drawn anew, at length" });
    await new Promise((r) => setTimeout(r, 100));
    const drawn = posted.length;
    await chat.handle({ type: "ready" }); // the new page's
    const redrawn = posted.slice(drawn);
    assert.deepEqual(redrawn.find((m) => m.type === "busy"), { type: "busy", busy: true });
    assert.equal((redrawn.find((m) => m.type === "sessions") as { current: string }).current, older);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(posted.slice(drawn).some((m) => m.type === "streaming"), "it streams on");
    await chat.handle({ type: "cancel" });
    await answer;
    assert.ok(posted.some((m) => m.type === "notice" && /stopped/.test(m.message)));
  });

  test("Stop while a message's session opens stops it, and the message comes back", async () => {
    // open() shows the session before its answer is registered: a Stop then found nothing
    // to stop, and the answer was written all the same.
    let chats = 0;
    const base = host({ sessionKey: () => `${daemon.home}/stopped-opening` });
    const { h, posted } = host({
      sessionKey: () => `${daemon.home}/stopped-opening`,
      call: async (method, params, options) => {
        if (method === "sessions/get") await new Promise((r) => setTimeout(r, 200));
        if (method === "chat" && !options?.signal?.aborted) chats += 1; // sent to the daemon
        return base.h.call(method, params, options);
      },
    });
    const chat = new ChatController(h);
    const sent = chat.handle({ type: "send", text: "hello" });
    await new Promise((r) => setTimeout(r, 100)); // its session shown, its refresh not back
    await chat.handle({ type: "cancel" });
    await sent;
    assert.equal(chats, 0);
    assert.ok(posted.some((m) => m.type === "restore" && m.text === "hello"));
    assert.ok(posted.some((m) => m.type === "notice" && /stopped before it was sent/.test(m.message)));
  });

  test("a message that failed in another conversation comes back in its own", async () => {
    // It was put back into the input of the conversation shown, and sent there.
    const base = host({ sessionKey: () => `${daemon.home}/failed-elsewhere` });
    const { h, posted } = host({
      sessionKey: () => `${daemon.home}/failed-elsewhere`,
      call: async (method, params, options) => {
        if (method === "chat") {
          await new Promise((r) => setTimeout(r, 150));
          throw new Error("the model is gone");
        }
        return base.h.call(method, params, options);
      },
    });
    const chat = new ChatController(h);
    await chat.handle({ type: "ready" });
    const first = (posted.filter((m) => m.type === "sessions").at(-1) as { current: string }).current;
    const sent = chat.handle({ type: "send", text: "doomed" });
    await new Promise((r) => setTimeout(r, 50));
    await chat.handle({ type: "newSession" });
    await sent;
    assert.ok(posted.some((m) => m.type === "error" && /in another conversation: the model is gone/.test(m.message)));
    const restored = posted.findIndex((m) => m.type === "restore" && m.text === "doomed");
    assert.ok(restored >= 0);
    const shown = posted.slice(restored).find((m) => m.type === "sessions") as { current: string };
    assert.equal(shown.current, first, "drawn with its own conversation");
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

  test("switching fast draws the session picked last, whatever order the answers come in", async () => {
    // A slower sessions/get of the first drew its conversation under the second's name,
    // and the next message went to the second while the first was shown.
    const base = host({ sessionKey: () => `${daemon.home}/fast` });
    const chat = new ChatController(base.h);
    await chat.handle({ type: "ready" });
    await chat.handle({ type: "send", text: "hello" });
    const first = (base.posted.filter((m) => m.type === "sessions").at(-1) as { current: string }).current;
    await chat.handle({ type: "newSession" });
    const second = (base.posted.filter((m) => m.type === "sessions").at(-1) as { current: string }).current;
    const slow: ChatHost = {
      ...base.h,
      call: async (method, params, options) => {
        const answer = await client.call(method, params, options);
        if (method === "sessions/get" && (params as { session: string }).session === first) {
          await new Promise((r) => setTimeout(r, 300));
        }
        return answer;
      },
    };
    const posted: ToWebview[] = [];
    const switching = new ChatController({ ...slow, post: (m) => posted.push(m) });
    await switching.handle({ type: "openSession", id: second });
    posted.length = 0;
    await Promise.all([
      switching.handle({ type: "openSession", id: first }),
      new Promise((r) => setTimeout(r, 20)).then(() => switching.handle({ type: "openSession", id: second })),
    ]);
    const drawn = posted.filter((m) => m.type === "transcript");
    assert.equal(drawn.length, 1, "only the latest refresh draws");
    assert.ok(drawn[0].type === "transcript" && drawn[0].turns.length === 0, "the second, empty");
    assert.ok(posted.every((m) => m.type !== "sessions" || m.current === second));
  });

  test("a message the daemon did not take goes back into the input, and no phantom stays", async () => {
    // The input was cleared at send; the daemon took the question back, and the panel
    // still showed it with an empty answer: the typed text was gone.
    const { h, posted } = host({ sessionKey: () => `${daemon.home}/refused`, model: () => "no-such-model" });
    const chat = new ChatController(h);
    await chat.handle({ type: "ready" });
    await chat.handle({ type: "send", text: "my long careful question" });
    assert.ok(posted.some((m) => m.type === "restore" && m.text === "my long careful question"));
    assert.ok(posted.some((m) => m.type === "error" && /no-such-model/.test(m.message)));
    const last = posted.filter((m) => m.type === "transcript").at(-1);
    assert.ok(last?.type === "transcript" && last.turns.length === 0, "the question is not shown");
    assert.ok(!chat.busy);
  });

  test("a second message while the session opens is refused, kept, and one chat is asked", async () => {
    let chats = 0;
    const base = host({ sessionKey: () => `${daemon.home}/opening` });
    const { h, posted } = host({
      sessionKey: () => `${daemon.home}/opening`,
      call: async (method, params, options) => {
        if (method === "sessions/open") await new Promise((r) => setTimeout(r, 200));
        if (method === "chat") chats += 1;
        return base.h.call(method, params, options);
      },
    });
    const chat = new ChatController(h);
    const first = chat.handle({ type: "send", text: "hello" });
    await new Promise((r) => setTimeout(r, 50));
    await chat.handle({ type: "send", text: "and this?" });
    await first;
    assert.equal(chats, 1);
    assert.ok(posted.some((m) => m.type === "restore" && m.text === "and this?"));
    assert.ok(posted.some((m) => m.type === "error" && /wait for the answer/.test(m.message)));
  });

  test("an answer's warnings are said after the redraw, and a stopped one is marked", async () => {
    // The daemon's warnings (cut off, turns left out, a file changed) were thrown away, and
    // "stopped" was wiped at once by the redraw after it.
    const base = host({ sessionKey: () => `${daemon.home}/warned` });
    const { h, posted } = host({
      sessionKey: () => `${daemon.home}/warned`,
      call: async (method, params, options) => {
        const answer = await base.h.call(method, params, options);
        return method === "chat" ? { ...(answer as object), warnings: ["the answer was cut off at 8 tokens"] } : answer;
      },
    });
    const chat = new ChatController(h);
    await chat.handle({ type: "ready" });
    await chat.handle({ type: "send", text: "hello" });
    assert.deepEqual(posted.at(-1), { type: "notice", message: "the answer was cut off at 8 tokens" });

    const ref: { chat?: ChatController } = {};
    const stopping = host({
      sessionKey: () => `${daemon.home}/marked`,
      post: (m) => {
        stopping.posted.push(m);
        if (m.type === "streaming") void ref.chat?.handle({ type: "cancel" }); // once it speaks
      },
    });
    const stopped = (ref.chat = new ChatController(stopping.h));
    await stopped.handle({ type: "ready" });
    await stopped.handle({ type: "send", text: "at length" });
    assert.deepEqual(stopping.posted.at(-1), { type: "notice", message: "stopped; the partial answer is kept" });
    const last = stopping.posted.filter((m) => m.type === "transcript").at(-1);
    assert.ok(last?.type === "transcript" && /\(interrupted\)/.test(last.turns.at(-1)?.html ?? ""));
  });

  test("an answer goes on streaming after its own session is drawn again", async () => {
    // Any refresh while it streamed (an attachment, the same session picked again) froze
    // the shown answer until it ended.
    const ref: { chat?: ChatController } = {};
    let session = "";
    let redrawn: Promise<number> | undefined;
    const seen = host({
      sessionKey: () => `${daemon.home}/redrawn`,
      post: (m) => {
        seen.posted.push(m);
        if (m.type === "streaming" && !redrawn) {
          // Drawn again as soon as it speaks: then how much was posted by then.
          redrawn = ref.chat!.handle({ type: "openSession", id: session }).then(() => seen.posted.length);
        }
      },
    });
    const { posted } = seen;
    const chat = (ref.chat = new ChatController(seen.h));
    await chat.handle({ type: "ready" });
    session = (posted.filter((m) => m.type === "sessions").at(-1) as { current: string }).current;
    await chat.handle({ type: "send", text: "at length" });
    const after = await redrawn!;
    assert.ok(posted.slice(after).some((m) => m.type === "streaming"), "it streams on");
    const last = posted.filter((m) => m.type === "streaming").at(-1);
    assert.ok(last?.type === "streaming" && /word59/.test(last.html));
  });

  test("a session deleted elsewhere: the message comes back, and the next one goes to a new one", async () => {
    // Every message failed with "no chat session" until another session was picked.
    const { h, posted } = host({ sessionKey: () => `${daemon.home}/deleted` });
    const chat = new ChatController(h);
    await chat.handle({ type: "ready" });
    const gone = (posted.filter((m) => m.type === "sessions").at(-1) as { current: string }).current;
    await client.call("sessions/delete", { session: gone });
    await chat.handle({ type: "send", text: "hello" });
    assert.ok(posted.some((m) => m.type === "restore" && m.text === "hello"));
    assert.ok(!chat.opened);
    await chat.handle({ type: "send", text: "hello" });
    const now = (posted.filter((m) => m.type === "sessions").at(-1) as { current: string }).current;
    const last = posted.filter((m) => m.type === "transcript").at(-1);
    assert.ok(now !== gone && last?.type === "transcript" && last.turns.length === 2);
  });
});
