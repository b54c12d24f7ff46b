// One case with the real 0.5B model: the extension's path end to end, daemon start included.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { CompletionEngine } from "../src/completion";
import { Connection } from "../src/connection";
import { COMMAND, isolatedEnv, realModelsDir, tempHome } from "./daemon";

const MODEL = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf";

test("the extension starts the daemon and completes an obvious line with the real model", async (t) => {
  const models = realModelsDir();
  if (!existsSync(join(models, MODEL))) {
    const missing = `the 0.5B model is not in ${models}: codesaga models pull qwen2.5-coder-0.5b`;
    // scripts/dev.py pulled it: there, not finding it is a failure, never a silent skip.
    assert.ok(!process.env.CODESAGA_REAL_MODEL_REQUIRED, missing);
    t.skip(missing);
    return;
  }
  const home = tempHome();
  const env = isolatedEnv(home, { CODESAGA_MODELS_DIR: models, CODESAGA_MODEL: "qwen2.5-coder-0.5b" });
  const connection = new Connection({ command: COMMAND, clientVersion: "0.0.1", env, autoStart: true });
  try {
    const client = await connection.client(); // no daemon yet: `codesaga daemon start`
    assert.equal(connection.state.kind, "connected");
    const engine = new CompletionEngine(
      (method, params, options) => client.call(method, params, options),
      () => ({ debounceMinMs: 0, debounceMaxMs: 0, maxLines: 4, contextChars: 8000 }),
    );
    const never = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };
    const suggestion = await engine.suggest(
      {
        document: "file://" + join(home, "rectangle.py"),
        path: join(home, "rectangle.py"),
        workspace: home,
        languageId: "python",
        before: "def rectangle_area(width, height):\n    return ",
        after: "\n",
      },
      never,
    );
    // The plumbing is what is tested here: a suggestion from the real model reaches the
    // editor. (Since the file is no longer named alone in the prompt, the 0.5B answers
    // `area = width * height` here, a known fault noted for planning; on two infill sets the
    // unnamed prompt passes more cases, 16 against 13 and 6 against 4 of 40.)
    assert.match(suggestion?.text ?? "", /width \* height$/);
  } finally {
    await connection.stop();
  }
});
