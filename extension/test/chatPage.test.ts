// The chat webview's own script (media/chat.js) in a small fake page: what a person's keys do.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runInNewContext } from "node:vm";

type Handler = (event: Record<string, unknown>) => void;

class FakeElement {
  value = "";
  hidden = false;
  textContent = "";
  innerHTML = "";
  className = "";
  scrollTop = 0;
  scrollHeight = 0;
  children: FakeElement[] = [];
  readonly attributes = new Map<string, string>();
  readonly handlers = new Map<string, Handler>();
  addEventListener(name: string, handler: Handler): void {
    this.handlers.set(name, handler);
  }
  replaceChildren(...children: FakeElement[]): void {
    this.children = children;
  }
  appendChild(child: FakeElement): void {
    this.children.push(child);
  }
  setAttribute(name: string, value: string): void {
    this.attributes.set(name, value);
  }
  /** `.turn[data-turn="N"]`, the one selector the page uses. */
  querySelector(selector: string): FakeElement | null {
    const turn = /data-turn="(\d+)"/.exec(selector)?.[1];
    return this.children.find((c) => c.attributes.get("data-turn") === turn) ?? null;
  }
}

function page() {
  const elements = new Map<string, FakeElement>();
  const posted: Array<Record<string, unknown>> = [];
  const windowHandlers = new Map<string, Handler>();
  runInNewContext(readFileSync(join(__dirname, "..", "..", "media", "chat.js"), "utf8"), {
    acquireVsCodeApi: () => ({ postMessage: (m: Record<string, unknown>) => posted.push(m) }),
    document: {
      getElementById: (id: string) => {
        if (!elements.has(id)) elements.set(id, new FakeElement());
        return elements.get(id);
      },
      createElement: () => new FakeElement(),
    },
    window: { addEventListener: (name: string, handler: Handler) => windowHandlers.set(name, handler) },
    HTMLElement: FakeElement,
  });
  const input = elements.get("input")!;
  const enter = () => input.handlers.get("keydown")!({ key: "Enter", shiftKey: false, preventDefault: () => undefined });
  const receive = (data: Record<string, unknown>) => windowHandlers.get("message")!({ data });
  return { input, posted, enter, receive, transcript: elements.get("transcript")! };
}

describe("the chat page", () => {
  test("Enter while an answer comes keeps the typed message", () => {
    // The input was cleared, then the controller refused the message: the text was lost.
    const { input, posted, enter, receive } = page();
    receive({ type: "busy", busy: true });
    input.value = "and then?";
    enter();
    assert.equal(input.value, "and then?");
    assert.ok(!posted.some((m) => m.type === "send"));
    receive({ type: "busy", busy: false });
    enter();
    assert.equal(input.value, "");
    assert.equal(JSON.stringify(posted.at(-1)), JSON.stringify({ type: "send", text: "and then?" }));
  });

  test("a message not asked comes back into an empty input, never over a new one", () => {
    const { input, receive } = page();
    receive({ type: "restore", text: "my question" });
    assert.equal(input.value, "my question");
    input.value = "typed since";
    receive({ type: "restore", text: "my question" });
    assert.equal(input.value, "typed since");
  });

  test("an answer streaming after a redraw goes on in its own turn, not a second one", () => {
    const { receive, transcript } = page();
    receive({ type: "transcript", turns: [{ role: "user", html: "q" }, { role: "assistant", html: "a" }], attachments: [] });
    receive({ type: "streaming", turn: 1, html: "a b" });
    assert.equal(transcript.children.length, 2);
    assert.equal(transcript.children[1].innerHTML, "a b");
  });
});
