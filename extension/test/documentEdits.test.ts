import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { EditSender, MAX_EDIT_CHARS, snapshotEdit } from "../src/documentEdits";
import type { DocumentEditParams, WireEdit } from "../src/nextEditWire";
import { lineColumnAt, offsetAt, offsetsOf } from "../src/textPositions";
import { ManualClock } from "./clock";

/** ``edit`` applied to ``before``, through its wire range (as the daemon reads it). */
function applyWire(before: string, edit: WireEdit): string {
  const offsets = offsetsOf(before, edit.range);
  assert.ok(offsets, `the range ${JSON.stringify(edit.range)} is in the text`);
  assert.equal(before.slice(offsets.start, offsets.end), edit.removed);
  return before.slice(0, offsets.start) + edit.text + before.slice(offsets.end);
}

describe("positions as the daemon counts them", () => {
  test("lines are 1-based, columns count code points, one past the end is allowed", () => {
    const text = "def f(x):\n    s = '😀é'\n    return x\n";
    assert.deepEqual(lineColumnAt(text, 0), { line: 1, column: 1 });
    const afterEmoji = text.indexOf("é");
    assert.deepEqual(lineColumnAt(text, afterEmoji), { line: 2, column: 11 }, "the emoji is one column, two UTF-16 units");
    assert.equal(offsetAt(text, { line: 2, column: 11 }), afterEmoji);
    assert.equal(offsetAt(text, { line: 1, column: 10 }), text.indexOf("\n"), "one past the line's end");
    assert.equal(offsetAt(text, { line: 1, column: 11 }), undefined);
    assert.equal(offsetAt(text, { line: 4, column: 1 }), text.length, "the empty last line");
    assert.equal(offsetAt(text, { line: 5, column: 1 }), undefined);
    assert.equal(offsetAt(text, { line: 0, column: 1 }), undefined);
    assert.equal(offsetsOf(text, { startLine: 2, startColumn: 3, endLine: 1, endColumn: 1 }), undefined, "an end before the start");
  });
});

describe("one edit from two snapshots", () => {
  test("an identifier renamed in a definition", () => {
    const before = "def area(w, h):\n    return w * h\n";
    const after = "def area(width, h):\n    return w * h\n";
    assert.deepEqual(snapshotEdit(before, after), {
      range: { startLine: 1, startColumn: 11, endLine: 1, endColumn: 11 },
      removed: "",
      text: "idth",
    });
    assert.equal(snapshotEdit(before, before), undefined);
  });

  test("a change across lines, a deletion, and a character outside the BMP never cut in two", () => {
    const lines = snapshotEdit("a = 1\nb = 2\nc = 3\n", "a = 1\nc = 3\n");
    assert.deepEqual(lines, { range: { startLine: 2, startColumn: 1, endLine: 3, endColumn: 1 }, removed: "b = 2\n", text: "" });
    // 😀 and 😁 share their first UTF-16 unit: the edit still replaces whole characters.
    const emoji = snapshotEdit("s = '😀'", "s = '😁'");
    assert.deepEqual(emoji, { range: { startLine: 1, startColumn: 6, endLine: 1, endColumn: 7 }, removed: "😀", text: "😁" });
    const tail = snapshotEdit("x😀", "x😀😀");
    assert.equal(applyWire("x😀", tail!), "x😀😀");
  });

  test("applied through its wire range, the edit turns any before into its after", () => {
    const alphabet = ["a", "b", "\n", " ", "é", "😀", "😁", "\r\n"];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const text = (length: number) => Array.from({ length }, () => alphabet[random(alphabet.length)]).join("");
    for (let i = 0; i < 500; i++) {
      const before = text(random(20));
      const at = random(before.length + 1);
      const cut = Math.min(before.length, at + random(4));
      const after = before.slice(0, at) + text(random(4)) + before.slice(cut);
      const edit = snapshotEdit(before, after);
      if (before === after) {
        assert.equal(edit, undefined);
        continue;
      }
      assert.ok(edit);
      assert.equal(applyWire(before, edit), after, JSON.stringify({ before, after, edit }));
      for (const part of [edit.removed, edit.text]) assert.ok(!/^[\udc00-\udfff]|[\ud800-\udbff]$/.test(part), "whole characters");
    }
  });
});

describe("sending a document's edits", () => {
  function sender(debounceMs = 300) {
    const sent: DocumentEditParams[] = [];
    const clock = new ManualClock();
    const edits = new EditSender(async (params) => void sent.push(params), debounceMs, clock);
    return { sent, clock, edits };
  }
  const uri = "file:///w/calc.py";

  test("a burst of keystrokes goes out as one edit once typing stops", () => {
    const { sent, clock, edits } = sender();
    let text = "total = price + tax\n";
    edits.track(uri, text);
    for (const typed of ["price * 2", "price * 2 + tip"]) {
      text = `total = ${typed}\n`;
      edits.changed(uri, () => ({ path: "/w/calc.py", text, language: "python", version: 3 }));
      clock.advance(100);
    }
    assert.equal(sent.length, 0, "still typing");
    clock.advance(300);
    assert.deepEqual(sent, [
      {
        path: "/w/calc.py",
        range: { startLine: 1, startColumn: 15, endLine: 1, endColumn: 20 },
        removed: "+ tax",
        text: "* 2 + tip",
        language: "python",
        version: 3,
      },
    ]);
    assert.equal(applyWire("total = price + tax\n", sent[0]), text);
  });

  test("flush sends what is pending at once, and then nothing twice", async () => {
    const { sent, clock, edits } = sender();
    let text = "a = 1\n";
    edits.track(uri, text);
    text = "a = 12\n";
    edits.changed(uri, () => ({ path: "/w/calc.py", text }));
    await edits.flush(uri);
    assert.equal(sent.length, 1);
    await edits.flush(uri);
    clock.advance(1000);
    assert.equal(sent.length, 1, "the debounce was cancelled by the flush");
    assert.deepEqual(sent[0].range, { startLine: 1, startColumn: 6, endLine: 1, endColumn: 6 });
  });

  test("an untracked document starts from its text after the first change; closing forgets it", async () => {
    const { sent, edits } = sender();
    let text = "x = 1\n";
    edits.changed(uri, () => ({ path: "/w/calc.py", text }));
    await edits.flush(uri);
    assert.equal(sent.length, 0, "the first edit's before is unknown: not sent");
    text = "x = 2\n";
    edits.changed(uri, () => ({ path: "/w/calc.py", text }));
    await edits.flush(uri);
    assert.deepEqual(sent.map((p) => [p.removed, p.text]), [["1", "2"]]);
    edits.forget(uri);
    assert.equal(edits.size, 0);
    edits.track(uri, text);
    edits.track("file:///w/other.py", "");
    edits.forgetAll(); // next edits turned off
    assert.equal(edits.size, 0);
  });

  test("a document closed and opened again goes on with higher versions", async () => {
    // Opened again, VS Code counts its versions from 1; the daemon keeps no edit whose
    // version is not above the last, so next edits stopped for that file (with completion
    // off, nothing told the daemon it was opened again).
    const { sent, edits } = sender();
    let text = "def area(w, h):\n";
    edits.track(uri, text);
    text = "def area(width, h):\n";
    edits.changed(uri, () => ({ path: "/w/calc.py", text, version: 8 }));
    await edits.flush(uri);
    edits.forget(uri); // closed
    edits.track(uri, text); // opened again
    text = "def area(width, height):\n";
    edits.changed(uri, () => ({ path: "/w/calc.py", text, version: 2 }));
    await edits.flush(uri);
    const versions = sent.map((p) => p.version ?? 0);
    assert.equal(versions.length, 2);
    assert.ok(versions[1] > versions[0], String(versions));
  });

  test("a huge paste is not sent, and the edits after it are", async () => {
    const { sent, edits } = sender();
    let text = "";
    edits.track(uri, text);
    text = "y".repeat(MAX_EDIT_CHARS + 1);
    edits.changed(uri, () => ({ path: "/w/calc.py", text }));
    await edits.flush(uri);
    text += "z";
    edits.changed(uri, () => ({ path: "/w/calc.py", text }));
    await edits.flush(uri);
    assert.deepEqual(sent.map((p) => p.text), ["z"]);
  });
});
