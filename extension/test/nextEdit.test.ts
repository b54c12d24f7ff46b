import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { EditSender } from "../src/documentEdits";
import {
  InlineMarker,
  NextEditController,
  type NextEditDocument,
  type NextEditHost,
  type NextEditSuggestion,
  type OtherDocument,
  previewText,
} from "../src/nextEdit";
import type { NextEditMethod, NextEditParams, NextEditResult, SuggestedEdit } from "../src/nextEditWire";
import { Code, type CallOptions, RpcError } from "../src/protocol";
import { ManualClock } from "./clock";

const URI = "file:///w/shapes.py";
const OTHER = "file:///w/other.py";
const TIMING = { pauseMs: 600, afterAcceptMs: 50 };
const BEFORE = "def area(w, h):\n    return w * h\n";
const RENAMED = "def area(width, h):\n    return w * h\n";
/** The daemon's answer for RENAMED: the `w` of the body, line 2 column 12. */
const BODY_W: SuggestedEdit = { range: { startLine: 2, startColumn: 12, endLine: 2, endColumn: 13 }, text: "width", kind: "rename", confidence: 0.9 };

const settle = () => new Promise((resolve) => setImmediate(resolve));

/**
 * The editor and the daemon as the controller sees them: documents whose text the test
 * changes, and a connection that records what is sent. `nextEdit` answers with `answer`
 * (or waits for `release` when `hold` is set); an abort is `$/cancel`, as DaemonClient does.
 */
class World implements NextEditHost {
  readonly sent: Array<{ method: string; params: Record<string, unknown> }> = [];
  readonly shown: Array<NextEditSuggestion | undefined> = [];
  readonly clock = new ManualClock();
  readonly documents = new Map<string, { text: string; version: number; cursor: number }>();
  readonly inline = new InlineMarker();
  active = URI;
  on = true;
  /** codesaga.models.completion */
  model: string | undefined;
  methods = ["document/edit", "nextEdit", "feedback"];
  answer: NextEditResult = { request_id: "r1", edits: [BODY_W] };
  hold = false;
  private releases: Array<() => void> = [];
  readonly edits = new EditSender(async (params) => void this.sent.push({ method: "document/edit", params: { ...params } }), 300, this.clock);
  readonly controller = new NextEditController(this, TIMING, this.clock);

  open(document: string, text: string, cursor = 0): void {
    this.documents.set(document, { text, version: 1, cursor });
    this.edits.track(document, text);
  }

  /** The programmer edits ``document`` to ``text``, the cursor ending at ``cursor``. */
  type(document: string, text: string, cursor: number): void {
    const state = this.documents.get(document)!;
    Object.assign(state, { text, version: state.version + 1, cursor });
    this.edits.changed(document, () => ({ path: pathOf(document), text: state.text, version: state.version, language: "python" }));
    this.controller.changed(document);
  }

  move(document: string, cursor: number): void {
    this.documents.get(document)!.cursor = cursor;
  }

  async pause(ms: number): Promise<void> {
    this.clock.advance(ms);
    await settle();
    await settle();
  }

  release(): void {
    for (const release of this.releases.splice(0)) release();
  }

  methodsSent(): string[] {
    return this.sent.map((s) => s.method);
  }

  feedback(): Array<[unknown, unknown]> {
    return this.sent.filter((s) => s.method === "feedback").map((s) => [s.params.request_id, s.params.accepted]);
  }

  // NextEditHost:
  call(method: NextEditMethod, params: object, options?: CallOptions): Promise<unknown> {
    this.sent.push({ method, params: { ...params } });
    if (method !== "nextEdit") return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const answer = () => resolve(structuredClone(this.answer));
      options?.signal?.addEventListener("abort", () => {
        this.sent.push({ method: "$/cancel", params: {} });
        reject(new RpcError(Code.cancelled, "the request was cancelled"));
      });
      if (this.hold) this.releases.push(answer);
      else answer();
    });
  }

  supports(method: string): boolean {
    return this.methods.includes(method);
  }

  enabled(): boolean {
    return this.on;
  }

  async readOther(path: string): Promise<OtherDocument | undefined> {
    const document = `file://${path}`;
    const state = this.documents.get(document);
    return state && { document, content: state.text, version: state.version };
  }

  read(document: string): NextEditDocument | undefined {
    const state = this.documents.get(document);
    if (document !== this.active || !state) return undefined;
    return { path: pathOf(document), content: state.text, version: state.version, cursor: state.cursor, language: "python", model: this.model };
  }

  inlineShowing(document: string): boolean {
    const state = this.documents.get(document)!;
    return this.inline.showing(document, state.version, state.cursor);
  }

  flush(document: string): Promise<void> {
    return this.edits.flush(document);
  }

  show(suggestion: NextEditSuggestion | undefined): void {
    this.shown.push(suggestion && { ...suggestion });
  }

  readonly warned: string[] = [];

  onWarning(warning: string): void {
    this.warned.push(warning);
  }
}

function pathOf(document: string): string {
  return document.replace("file://", "");
}

/** A world where `w` was just renamed to `width` in the definition, the cursor after it. */
function renamed(): World {
  const world = new World();
  world.open(URI, BEFORE);
  world.type(URI, RENAMED, "def area(width".length);
  return world;
}

describe("next edits: asking after a pause", () => {
  test("after the pause, the edit goes first, then nextEdit with the content and the cursor", async () => {
    const world = renamed();
    await world.pause(599);
    assert.deepEqual(world.methodsSent(), ["document/edit"], "the edit's own debounce (300 ms) sent it; no question yet");
    await world.pause(1);
    assert.deepEqual(world.methodsSent(), ["document/edit", "nextEdit"]);
    const [edit, question] = world.sent;
    assert.deepEqual(
      { range: edit.params.range, removed: edit.params.removed, text: edit.params.text },
      { range: { startLine: 1, startColumn: 11, endLine: 1, endColumn: 11 }, removed: "", text: "idth" },
    );
    const params = question.params as unknown as NextEditParams;
    assert.deepEqual(
      { path: params.path, content: params.content, line: params.line, column: params.column, language: params.language },
      { path: "/w/shapes.py", content: RENAMED, line: 1, column: 15, language: "python" },
    );
    const shown = world.controller.suggestion!;
    assert.equal(RENAMED.slice(shown.start, shown.end), "w");
    assert.equal(shown.start, RENAMED.indexOf("w * h"));
    assert.deepEqual({ text: shown.text, line: shown.line, requestId: shown.requestId }, { text: "width", line: 2, requestId: "r1" });
    assert.equal(world.shown.length, 1);
  });

  test("the completion model setting goes with the question, as with completion requests", async () => {
    // It was never sent: next edits used the daemon's model whatever the setting said.
    const world = renamed();
    world.model = "qwen2.5-coder-7b";
    await world.pause(600);
    assert.equal(world.sent.find((s) => s.method === "nextEdit")?.params.model, "qwen2.5-coder-7b");
    world.model = undefined;
    world.type(URI, RENAMED + "\n", RENAMED.length + 1);
    await world.pause(600);
    assert.ok(!("model" in world.sent.filter((s) => s.method === "nextEdit")[1].params), "empty: the daemon's");
  });

  test("a pending edit is flushed before the question even when its debounce has not run", async () => {
    const world = new World();
    world.controller.dispose();
    const controller = new NextEditController(world, { pauseMs: 100, afterAcceptMs: 50 }, world.clock);
    world.open(URI, BEFORE);
    world.documents.get(URI)!.text = RENAMED;
    world.edits.changed(URI, () => ({ path: "/w/shapes.py", text: RENAMED }));
    controller.changed(URI);
    await world.pause(100);
    assert.deepEqual(world.methodsSent(), ["document/edit", "nextEdit"]);
  });

  test("no question while the programmer keeps typing", async () => {
    const world = renamed();
    for (let i = 0; i < 5; i++) {
      await world.pause(500);
      world.type(URI, RENAMED.replace("h)", `h${i})`), 10);
    }
    assert.ok(!world.methodsSent().includes("nextEdit"));
    await world.pause(600);
    assert.equal(world.methodsSent().filter((m) => m === "nextEdit").length, 1);
  });

  test("no question while an inline completion shows, when turned off, or when the daemon lacks nextEdit", async () => {
    const world = renamed();
    const state = world.documents.get(URI)!;
    world.inline.offered(URI, state.version, state.cursor);
    await world.pause(600);
    world.on = false;
    world.type(URI, RENAMED + "\n", 10);
    await world.pause(600);
    world.on = true;
    world.methods = ["document/edit", "feedback"];
    world.type(URI, RENAMED + "\n\n", 10);
    await world.pause(600);
    assert.ok(!world.methodsSent().includes("nextEdit"));
    world.methods.push("nextEdit");
    world.type(URI, RENAMED + "\n\n\n", 10);
    await world.pause(600);
    assert.ok(world.methodsSent().includes("nextEdit"), "the same world asks once all is well");
  });

  test("a document not in the active editor is not asked about", async () => {
    const world = renamed();
    world.active = OTHER;
    await world.pause(600);
    assert.ok(!world.methodsSent().includes("nextEdit"));
  });

  test("an empty answer, or edits that do not apply, change nothing or are another document's, show nothing", async () => {
    const world = renamed();
    world.answer = {
      request_id: "r2",
      edits: [
        { ...BODY_W, range: { startLine: 9, startColumn: 1, endLine: 9, endColumn: 2 } },
        { ...BODY_W, text: "w" },
        { ...BODY_W, path: "/w/app.py" }, // another document's: not shown in this one
      ],
    };
    await world.pause(600);
    assert.equal(world.controller.suggestion, undefined);
    assert.deepEqual(world.shown, []);
    assert.equal(world.controller.stats.empty, 1);
  });
});

describe("next edits: the daemon's warnings", () => {
  test("each is told once, however often it comes; the edits that came with it are shown", async () => {
    const world = renamed();
    const missing = "no rewrites: model 'qwen2.5-coder-0.5b' for completion is not installed";
    world.answer = { request_id: "r3", edits: [BODY_W], warnings: [missing] };
    await world.pause(600);
    assert.equal(world.controller.suggestion?.text, "width");
    world.controller.dismiss();
    world.type(URI, RENAMED.replace("w * h", "w * h "), RENAMED.length);
    await world.pause(600);
    assert.equal(world.controller.stats.requests, 2);
    assert.deepEqual(world.warned, [missing]);
  });
});

describe("next edits: a keystroke cancels", () => {
  test("a keystroke in the document while nextEdit runs sends $/cancel and shows nothing", async () => {
    const world = renamed();
    world.hold = true;
    await world.pause(600);
    assert.equal(world.methodsSent().at(-1), "nextEdit");
    world.type(URI, RENAMED.replace("return", "return  "), 30);
    assert.equal(world.methodsSent().at(-1), "$/cancel");
    world.release(); // the answer would come now: too late
    await world.pause(0);
    assert.equal(world.controller.suggestion, undefined);
    assert.deepEqual(world.shown, []);
    assert.equal(world.controller.stats.cancelled, 1);
  });

  test("a keystroke in another document leaves the question alone", async () => {
    const world = renamed();
    world.open(OTHER, "x = 1\n");
    world.hold = true;
    await world.pause(600);
    world.type(OTHER, "x = 12\n", 6);
    assert.ok(!world.methodsSent().includes("$/cancel"));
    world.release();
    await world.pause(0);
    assert.equal(world.controller.suggestion?.text, "width");
  });
});

describe("next edits: Tab jumps, Tab accepts, Esc dismisses", () => {
  test("Tab away from the suggestion jumps to it; Tab there accepts it, reported once", async () => {
    const world = renamed();
    await world.pause(600);
    const shown = world.controller.suggestion!;
    const cursor = world.documents.get(URI)!.cursor;
    assert.deepEqual(world.controller.tab(URI, cursor), { kind: "jump", document: URI, path: "/w/shapes.py", offset: shown.start });
    assert.deepEqual(world.feedback(), [], "a jump is not a verdict");
    assert.deepEqual(world.controller.tab(OTHER, shown.start), { kind: "none" }, "Tab elsewhere is Tab");
    const accepted = world.controller.tab(URI, shown.start);
    assert.equal(accepted.kind, "accept");
    assert.equal(world.controller.suggestion, undefined);
    assert.equal(world.shown.at(-1), undefined, "taken down");
    assert.deepEqual(world.feedback(), [], "not before the editor has made the edit");
    // The editor applies it: a change like any other, but no rejection of what it accepted.
    world.type(URI, RENAMED.replace("w * h", "width * h"), shown.start + 5);
    world.controller.applied(true);
    await world.pause(0);
    assert.deepEqual(world.feedback(), [["r1", true]]);
    assert.deepEqual(world.controller.tab(URI, shown.start), { kind: "none" }, "nothing left to accept");
  });

  test("an accepted edit the editor refused is not reported, and the next change is no accept", async () => {
    // It was reported accepted before the editor tried: stats counted an edit never made.
    const world = renamed();
    await world.pause(600);
    const shown = world.controller.suggestion!;
    assert.equal(world.controller.tab(URI, shown.start).kind, "accept");
    world.controller.applied(false);
    assert.deepEqual(world.feedback(), []);
    assert.equal(world.controller.suggestion, undefined);
    world.type(URI, RENAMED + "\n", RENAMED.length + 1);
    await world.pause(TIMING.afterAcceptMs);
    assert.equal(world.methodsSent().filter((m) => m === "nextEdit").length, 1, "a keystroke waits the typing pause");
  });

  test("after an accepted edit, the next question comes without the typing pause", async () => {
    const world = renamed();
    await world.pause(600);
    const shown = world.controller.suggestion!;
    world.controller.tab(URI, shown.start);
    world.type(URI, RENAMED.replace("w * h", "width * h"), shown.start + 5);
    world.controller.applied(true);
    world.answer = { request_id: "r2", edits: [] };
    await world.pause(TIMING.afterAcceptMs);
    assert.equal(world.methodsSent().filter((m) => m === "nextEdit").length, 2);
    assert.deepEqual(world.methodsSent().slice(-2), ["document/edit", "nextEdit"], "the accepted edit reached the daemon's history first");
    const accepted = world.sent.filter((s) => s.method === "document/edit").at(-1)!.params;
    assert.deepEqual([accepted.removed, accepted.text, (accepted.range as { startLine: number }).startLine], ["", "idth", 2]);
  });

  test("Esc dismisses: rejected, once", async () => {
    const world = renamed();
    await world.pause(600);
    world.controller.dismiss();
    world.controller.dismiss();
    assert.deepEqual(world.feedback(), [["r1", false]]);
    assert.equal(world.controller.suggestion, undefined);
    assert.deepEqual(world.shown.map((s) => s?.text), ["width", undefined]);
  });

  test("typing over a suggestion rejects it once; closing the document or withdrawing it is no verdict", async () => {
    // Closing the file, switching editors and turning next edits off were counted as
    // rejections: only Esc and typing over it are the programmer's answer.
    const world = renamed();
    await world.pause(600);
    world.type(URI, RENAMED + "# more\n", RENAMED.length + 6);
    world.type(URI, RENAMED + "# more!\n", RENAMED.length + 7);
    assert.deepEqual(world.feedback(), [["r1", false]]);
    world.answer = { request_id: "r3", edits: [BODY_W] };
    await world.pause(600);
    assert.equal(world.controller.suggestion?.requestId, "r3");
    world.controller.forget(URI);
    assert.equal(world.controller.suggestion, undefined);
    world.open(URI, RENAMED);
    world.type(URI, RENAMED + "\n", RENAMED.length + 1);
    world.answer = { request_id: "r4", edits: [BODY_W] };
    await world.pause(600);
    assert.equal((world.controller.suggestion as NextEditSuggestion | undefined)?.requestId, "r4");
    world.controller.withdraw();
    assert.equal(world.controller.suggestion, undefined);
    assert.equal(world.shown.at(-1), undefined, "taken down");
    assert.deepEqual(world.feedback(), [["r1", false]]);
  });

  test("a cursor moved (no edit) keeps the suggestion: Tab from the new place jumps", async () => {
    const world = renamed();
    await world.pause(600);
    world.move(URI, 0);
    assert.equal(world.controller.tab(URI, 0).kind, "jump");
    assert.deepEqual(world.feedback(), []);
  });
});

describe("next edits: a rename carried into another open file", () => {
  const APP = "file:///w/app.py";
  const APP_TEXT = "from shapes import area\n\nprint(area(1, 2))\n";
  const IN_APP: SuggestedEdit = {
    range: { startLine: 3, startColumn: 7, endLine: 3, endColumn: 11 },
    text: "surface",
    kind: "rename",
    confidence: 0.7,
    path: "/w/app.py",
    removed: "area",
  };

  test("shown after this file's edits; Tab jumps to that file, Tab there accepts", async () => {
    const world = renamed();
    world.open(APP, APP_TEXT);
    world.answer = { request_id: "r5", edits: [IN_APP] };
    await world.pause(600);
    const shown = world.controller.suggestion!;
    assert.deepEqual([shown.document, shown.origin, shown.removed, shown.text], [APP, URI, "area", "surface"]);
    assert.equal(APP_TEXT.slice(shown.start, shown.end), "area");
    const cursor = world.documents.get(URI)!.cursor;
    assert.deepEqual(world.controller.tab(URI, cursor), { kind: "jump", document: APP, path: "/w/app.py", offset: shown.start });
    assert.equal(world.controller.tab(APP, shown.start).kind, "accept");
    world.controller.applied(true);
    assert.deepEqual(world.feedback(), [["r5", true]]);
  });

  test("not shown when that file no longer holds the text; typing in the first file takes it down", async () => {
    const world = renamed();
    world.open(APP, APP_TEXT.replace("print(area", "print(zone"));
    world.answer = { request_id: "r6", edits: [IN_APP] };
    await world.pause(600);
    assert.equal(world.controller.suggestion, undefined);
    world.documents.get(APP)!.text = APP_TEXT;
    world.type(URI, RENAMED + "\n", RENAMED.length + 1);
    await world.pause(600);
    assert.equal((world.controller.suggestion as NextEditSuggestion | undefined)?.document, APP);
    world.type(URI, RENAMED + "\n\n", RENAMED.length + 2);
    assert.equal(world.controller.suggestion, undefined);
    assert.deepEqual(world.feedback(), [["r6", false]]);
  });

  test("it lapses, no verdict, when the cursor goes far from where it was asked (this file) or from it (that file)", async () => {
    const world = renamed(); // asked from line 1
    world.open(APP, APP_TEXT);
    world.answer = { request_id: "r7", edits: [IN_APP] }; // line 3 of app.py
    await world.pause(600);
    world.controller.moved(URI, 6);
    world.controller.moved(APP, 8);
    world.controller.moved(OTHER, 40); // another editor: its switch withdraws it
    assert.equal(world.controller.suggestion?.requestId, "r7", "near both, or elsewhere");
    world.controller.moved(APP, 9);
    assert.equal(world.controller.suggestion, undefined);
    world.type(URI, RENAMED + "\n", RENAMED.length + 1); // a new question, from line 4
    await world.pause(600);
    world.controller.moved(URI, 9);
    assert.equal((world.controller.suggestion as NextEditSuggestion | undefined)?.requestId, "r7");
    world.controller.moved(URI, 10);
    assert.equal(world.controller.suggestion, undefined);
    assert.deepEqual(world.feedback(), []);
  });
});

describe("next edits: an answer after the cursor moved", () => {
  const TAIL = "\n".repeat(12); // lines 3 to 14, empty
  const LONG = RENAMED + TAIL;

  function asked(): World {
    const world = new World();
    world.open(URI, BEFORE + TAIL);
    world.type(URI, LONG, "def area(width".length);
    world.hold = true;
    return world;
  }

  test("far from it and from where it was asked: not shown, no verdict", async () => {
    // Shown, it stayed until the next move: a Tab to indent there jumped back.
    const world = asked();
    await world.pause(600);
    world.move(URI, LONG.length); // line 14
    world.release();
    await world.pause(0);
    assert.equal(world.controller.suggestion, undefined);
    assert.deepEqual(world.shown, []);
    assert.deepEqual(world.feedback(), []);
    assert.equal(world.controller.tab(URI, LONG.length).kind, "none");
  });

  test("near it (or where it was asked): shown", async () => {
    const world = asked();
    await world.pause(600);
    world.move(URI, RENAMED.length + 4); // line 7: within 5 lines of the suggestion's line 2
    world.release();
    await world.pause(0);
    assert.equal(world.controller.suggestion?.text, "width");
  });
});

describe("next edits: small parts", () => {
  test("an inline completion shows while its document and cursor stay put", () => {
    const marker = new InlineMarker();
    assert.ok(!marker.showing(URI, 1, 5));
    marker.offered(URI, 1, 5);
    assert.ok(marker.showing(URI, 1, 5));
    assert.ok(!marker.showing(URI, 2, 5), "typed");
    assert.ok(!marker.showing(URI, 1, 6), "moved");
    assert.ok(!marker.showing(OTHER, 1, 5));
  });

  test("the preview of a suggestion is one line", () => {
    assert.equal(previewText("width"), "width");
    assert.equal(previewText("a(\n  b)\n"), "a( ⏎   b) ⏎ ");
    assert.equal(previewText("x".repeat(100), 10), `${"x".repeat(9)}…`);
  });
});
