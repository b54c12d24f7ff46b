// The status bar item in the shipped bundle, activated with a fake `vscode` module against a
// real daemon (tests/fake_daemon.py): what it says as settings change and the daemon comes
// and goes. The daemon stops in the last test.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { COMMAND, type FakeDaemon, startFakeDaemon } from "./daemon";
import { FakeDocument, FakeEditor, Position, Uri, fakeVscode, fire, activateBundle } from "./vscode-fake";

const EXTENSION = join(__dirname, "..", "..");
const RULES: Array<[string, string]> = [["def add(a, b):\n    return", " a + b"]];
const never = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the status bar item", () => {
  let daemon: FakeDaemon;
  const { api, recorded } = fakeVscode({});
  const subscriptions: Array<{ dispose(): void }> = [];
  const saved = { ...process.env };
  /** Every text the item showed, in order. */
  const texts: string[] = [];
  let item: { text: string; tooltip: string; backgroundColor?: unknown; show(): void; dispose(): void };

  before(async () => {
    daemon = await startFakeDaemon(RULES);
    for (const key of Object.keys(process.env)) if (key.startsWith("CODESAGA_") || key === "XDG_RUNTIME_DIR") delete process.env[key];
    process.env.CODESAGA_HOME = daemon.home;
    recorded.settings.daemonCommand = COMMAND;
    recorded.settings["completion.debounceMinMs"] = 0;
    const window = api.window as Record<string, unknown>;
    window.createStatusBarItem = () => {
      let text = "";
      item = {
        tooltip: "",
        backgroundColor: undefined,
        get text() {
          return text;
        },
        set text(value: string) {
          text = value;
          texts.push(value);
        },
        show() {},
        dispose() {},
      };
      recorded.statusItems.push(item);
      return item;
    };
    activateBundle(api, EXTENSION, subscriptions);
    await until("the extension's connection", () => item.text.includes("sparkle"));
  });
  after(async () => {
    for (const s of subscriptions) s.dispose();
    process.env = saved;
    await daemon.stop();
  });

  /** A keystroke at the end of `return ` in calc.py: the inline provider asked. */
  function keystroke(): Promise<unknown> {
    const document = new FakeDocument(Uri.file(join(daemon.home, "calc.py")), "def add(a, b):\n    return \n", "python");
    return recorded.inlineProviders[0].provideInlineCompletionItems(document, new Position(1, 11), {}, never);
  }

  /** The user changes ``key`` (under codesaga.) to ``value`` (undefined: back to its default). */
  function setting(key: string, value: unknown): void {
    if (value === undefined) delete recorded.settings[key];
    else recorded.settings[key] = value;
    fire(recorded, "onDidChangeConfiguration", { affectsConfiguration: (section: string) => `codesaga.${key}`.startsWith(section) });
  }

  test("a click opens the menu, titled in one short line, as the tooltip says", async () => {
    // The menu's title was the whole multi-line tooltip, and a tooltip said a click started
    // the daemon.
    const window = api.window as Record<string, unknown>;
    const pick = window.showQuickPick;
    let title: string | undefined;
    window.showQuickPick = async (_items: unknown, options: { title?: string }) => void (title = options.title);
    try {
      await api.commands.executeCommand("codesaga.menu");
    } finally {
      window.showQuickPick = pick;
    }
    assert.match(title ?? "", /^CodeSaga daemon [^\n]*: connected$/);
    assert.match(item.tooltip, /\nClick for the menu \(start \/ stop \/ restart the daemon, log, snooze\)$/);
    const bundle = readFileSync(join(EXTENSION, "dist", "extension.js"), "utf8");
    assert.doesNotMatch(bundle, /Click to start/);
  });

  test("a setting change repaints the item: the model named, completion off, no stale failure", async () => {
    // The tooltip kept the old model's name, and a failure of a completion turned off since
    // stayed up for good (nothing said completion was off).
    setting("models.completion", "qwen2.5-coder-7b");
    assert.match(item.tooltip, /completion with qwen2\.5-coder-7b/);
    setting("models.completion", "no-such-model");
    await keystroke();
    assert.match(item.text, /\$\(warning\)/);
    setting("models.completion", undefined);
    assert.doesNotMatch(item.text, /warning/, "the failure named the model changed since");
    recorded.settings["models.completion"] = "no-such-model";
    await keystroke();
    assert.match(item.text, /\$\(warning\)/);
    delete recorded.settings["models.completion"];
    setting("completion.enabled", false);
    assert.doesNotMatch(item.text, /warning/);
    assert.match(item.tooltip, /inline completion is off/);
    setting("completion.enabled", undefined);
    assert.match(item.text, /sparkle/);
  });

  test("an editor whose language has completion off says so", () => {
    const notes = new FakeDocument(Uri.file(join(daemon.home, "notes.md")), "# Notes\n", "markdown");
    setting("completion.languages", { "*": true, markdown: false });
    const window = api.window as { activeTextEditor: unknown };
    try {
      window.activeTextEditor = new FakeEditor(notes, new Position(0, 0));
      for (const listener of recorded.editorSwitches) listener(window.activeTextEditor);
      assert.match(item.tooltip, /inline completion is off for markdown/);
    } finally {
      window.activeTextEditor = undefined;
      for (const listener of recorded.editorSwitches) listener(undefined);
      setting("completion.languages", undefined);
    }
    assert.match(item.text, /sparkle/);
  });

  test("after the user's Stop, typing leaves the daemon stopped and the item neutral until Start", async () => {
    // Each keystroke (every 30 s) tried to connect, which could only fail: `codesaga daemon
    // status` ran and the item turned red.
    await api.commands.executeCommand("codesaga.stopDaemon");
    assert.match(item.tooltip, /stopped/);
    texts.length = 0;
    for (let i = 0; i < 3; i++) assert.equal(await keystroke(), undefined);
    await sleep(1500);
    assert.deepEqual(texts.filter((text) => /error|sync/.test(text)), []);
    assert.match(item.tooltip, /stopped/);
    assert.equal(item.backgroundColor, undefined);
    // The menu's Start: connected again (to a daemon already up here, so none is started).
    daemon = await startFakeDaemon(RULES, { home: daemon.home });
    await api.commands.executeCommand("codesaga.startDaemon");
    assert.match(item.text, /sparkle/);
  });

  test("a new connection forgets the old one's failure and latency", async () => {
    recorded.settings["models.completion"] = "no-such-model";
    await keystroke();
    delete recorded.settings["models.completion"]; // unannounced: only the reconnect may clear it
    assert.match(item.text, /\$\(warning\)/);
    texts.length = 0; // the reconnect loop may find the new daemon before the keystroke
    await daemon.stop();
    daemon = await startFakeDaemon(RULES, { home: daemon.home });
    await keystroke(); // reconnects, in the background
    const connected = await until("connected again", () => texts.find((text) => /sparkle|warning/.test(text)));
    // The first paint of the new connection; the keystroke's own completion may then
    // show its new latency (it did on a fast machine), which is not the old one's.
    assert.match(connected, /^\$\(sparkle\) CodeSaga$/);
    assert.doesNotMatch(item.text, /warning/);
    assert.doesNotMatch(item.tooltip, /failed/);
  });

  test("a daemon that exits on its own (its idle exit) leaves the item idle, not an error", async () => {
    // It turned red ("the CodeSaga daemon is not running"), flickering through the
    // reconnect's tries, though the next completion starts the daemon again.
    texts.length = 0;
    await daemon.stop();
    await until("the idle item", () => /idle/.test(item.tooltip));
    await sleep(2000); // the reconnect's next tries
    assert.deepEqual(texts.filter((text) => /error|sync/.test(text)), []);
    assert.match(item.tooltip, /starts on the next completion/);
    assert.equal(item.backgroundColor, undefined);
  });
});
