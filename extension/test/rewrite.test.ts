import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { Code, DaemonClient, RpcError } from "../src/protocol";
import { applyQuestion, rewriteRequest, selectedLines, tooLargeToSend, type RewriteResult } from "../src/rewrite";
import { type FakeDaemon, startFakeDaemon } from "./daemon";

const SAVED = "def add(a, b):\n    return a + b\n";
const UNSAVED = "def add(a, b):\n    return b + a\n";
const TYPED = "def add(a: int, b: int) -> int:\n    return b + a\n";

describe("refactor and fix of an editor's buffer", () => {
  let daemon: FakeDaemon;
  let client: DaemonClient;
  before(async () => {
    daemon = await startFakeDaemon([
      ["add type hints", `\`\`\`python\n${TYPED}\`\`\``],
      ["NameError", "```python\nreturn a + b\n```"],
      ["a better name", "```python\ndef plus(a, b):\n    return a + b\n```"],
    ]);
    client = await DaemonClient.connect(daemon.url, daemon.token, "0.0.1");
  });
  after(async () => {
    client.close();
    await daemon.stop();
  });

  test("the unsaved text is refactored; the file on disk is not touched", async () => {
    const file = join(daemon.home, "calc.py");
    writeFileSync(file, SAVED);
    const params = rewriteRequest({ method: "refactor", content: UNSAVED, path: file, label: "calc.py", instruction: "add type hints" });
    const result = (await client.call("refactor", params)) as RewriteResult;
    assert.equal(result.text, TYPED);
    assert.match(result.diff, /^-def add\(a, b\):$/m);
    assert.equal(readFileSync(file, "utf8"), SAVED);
  });

  test("a rewrite that drops a name asks with a warning that names it", async () => {
    const params = rewriteRequest({ method: "refactor", content: SAVED, label: "calc.py", instruction: "a better name" });
    const result = (await client.call("refactor", params)) as RewriteResult;
    assert.equal(result.warnings?.length, 1);
    const question = applyQuestion("refactor", "calc.py", result.warnings);
    assert.ok(question.warn);
    assert.match(question.text, /^Apply CodeSaga's refactor to calc\.py\? Note: the rewrite no longer defines add \(renamed or removed\)/);
    assert.deepEqual(applyQuestion("refactor", "calc.py", []), { text: "Apply CodeSaga's refactor to calc.py?", warn: false });
  });

  test("fix of the lines a diagnostic names, in an untitled buffer", async () => {
    const params = rewriteRequest({ method: "fix", content: "def add(a, b):\n    return a + c\n", label: "Untitled-1.py", error: "line 2: NameError: c", lines: "2:2" });
    const result = (await client.call("fix", params)) as RewriteResult;
    assert.equal(result.text, SAVED);
  });

  test("an oversized buffer gets a clear input error", async () => {
    const huge = "x = 1\n".repeat(400_000); // 2.4 MB, over the daemon's 1 MiB file limit
    const params = rewriteRequest({ method: "refactor", content: huge, label: "big.py" });
    await assert.rejects(client.call("refactor", params), (error: unknown) => {
      assert.ok(error instanceof RpcError);
      assert.equal(error.code, Code.inputError);
      assert.match(error.message, /over the .*-byte limit/);
      return true;
    });
  });
});

describe("a buffer too large to send", () => {
  test("is said before anything is sent", () => {
    // Over the daemon's 8 MiB message limit the connection every request shares closed.
    assert.equal(tooLargeToSend("x = 1\n".repeat(1000)), undefined);
    assert.match(tooLargeToSend("é".repeat(4 * 1024 * 1024)) ?? "", /^the file is 8\.0 MiB, too large to send \(at most 7 MiB\)$/);
  });
});

describe("the lines a selection names", () => {
  test("a selection that ends at a line's start does not take that line", () => {
    // Chat's attach took one line more than a whole-line selection (refactor did not).
    assert.equal(selectedLines({ line: 2 }, { line: 5, character: 0 }), "3:5");
    assert.equal(selectedLines({ line: 2 }, { line: 5, character: 4 }), "3:6");
    assert.equal(selectedLines({ line: 2 }, { line: 2, character: 0 }), "3:3");
  });
});
