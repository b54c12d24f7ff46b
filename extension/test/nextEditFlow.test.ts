// Next edits in the shipped bundle, activated with a fake `vscode` module against a real
// daemon (tests/fake_daemon.py): a rename in the editor, the suggestion painted at its place,
// Tab to jump, Tab to accept, Esc to dismiss, and the verdicts in the daemon's stats.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { DaemonClient } from "../src/protocol";
import { COMMAND, type FakeDaemon, startFakeDaemon } from "./daemon";
import { FakeDocument, FakeEditor, Position, Uri, fakeVscode, fire, activateBundle } from "./vscode-fake";

const EXTENSION = join(__dirname, "..", "..");
const manifest = JSON.parse(readFileSync(join(EXTENSION, "package.json"), "utf8"));
const VISIBLE = "codesaga.nextEditVisible";
const SOURCE = "def scale(value, factor):\n    result = value * factor\n    return result + value\n";

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("next edits in a (fake) editor against a real daemon", () => {
  let daemon: FakeDaemon;
  let probe: DaemonClient;
  let offered = false;
  const { api, recorded } = fakeVscode({});
  const statusItems: Array<{ text: string }> = [];
  const subscriptions: Array<{ dispose(): void }> = [];
  const saved = { ...process.env };

  before(async () => {
    daemon = await startFakeDaemon([]);
    probe = await DaemonClient.connect(daemon.url, daemon.token, "0.0.1");
    offered = probe.server?.capabilities.methods.includes("nextEdit") ?? false;
    for (const key of Object.keys(process.env)) if (key.startsWith("CODESAGA_") || key === "XDG_RUNTIME_DIR") delete process.env[key];
    process.env.CODESAGA_HOME = daemon.home;
    recorded.settings.daemonCommand = COMMAND;
    const window = api.window as Record<string, unknown>;
    window.createStatusBarItem = () => {
      const item = { text: "", tooltip: "", show() {}, dispose() {} };
      statusItems.push(item);
      return item;
    };
    activateBundle(api, EXTENSION, subscriptions);
  });
  after(async () => {
    for (const s of subscriptions) s.dispose();
    process.env = saved;
    probe.close();
    await daemon.stop();
  });

  test("Tab and Esc are bound only while a suggestion shows and no inline completion does", () => {
    const bindings = manifest.contributes.keybindings.filter((k: { command: string }) => k.command.startsWith("codesaga.nextEdit."));
    assert.deepEqual(bindings.map((k: { key: string }) => k.key).sort(), ["escape", "tab"]);
    for (const binding of bindings) {
      assert.match(binding.when, new RegExp(`(^|&& )${VISIBLE.replace(".", "\\.")}( &&|$)`));
      assert.match(binding.when, /!inlineSuggestionVisible/);
      assert.match(binding.when, /!suggestWidgetVisible/);
    }
    // Esc closes these (or drops the selection): a suggestion shown took it from them.
    const esc = bindings.find((k: { key: string }) => k.key === "escape").when.split(" && ");
    for (const key of ["editorHasSelection", "findWidgetVisible", "renameInputVisible", "parameterHintsVisible", "referenceSearchVisible", "inReferenceSearchEditor"]) {
      assert.ok(esc.includes(`!${key}`), `Esc is not taken while ${key}`);
    }
    assert.equal(manifest.contributes.configuration.properties["codesaga.nextEdit.enabled"].default, true);
  });

  test("Esc with nothing shown (a stale context key) puts the key right and does nothing else", async () => {
    // The key stayed set, so Esc stayed taken from the editor.
    assert.equal((await verdicts()).rejected, 0);
    recorded.contextKeys.set(VISIBLE, true);
    await api.commands.executeCommand("codesaga.nextEdit.dismiss");
    assert.equal(recorded.contextKeys.get(VISIBLE), false);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await verdicts()).rejected, 0);
  });

  /** ``text`` in a new active editor, the cursor after `value` in the definition. */
  function open(name: string, text = SOURCE): { document: FakeDocument; editor: FakeEditor } {
    const document = new FakeDocument(Uri.file(join(daemon.home, name)), text, "python");
    const editor = new FakeEditor(
      document,
      new Position(0, "def scale(value".length),
      (event) => fire(recorded, "onDidChangeTextDocument", event),
      (event) => fire(recorded, "onDidChangeTextEditorSelection", event),
    );
    const window = api.window as { activeTextEditor: unknown; visibleTextEditors: unknown[] };
    window.activeTextEditor = editor;
    window.visibleTextEditors = [editor];
    fire(recorded, "onDidChangeVisibleTextEditors", [editor]);
    return { document, editor };
  }

  async function verdicts(): Promise<{ accepted: number; rejected: number }> {
    const stats = (await probe.call("stats")) as { nextEdit?: { accepted: number; rejected: number } };
    return { accepted: stats.nextEdit?.accepted ?? 0, rejected: stats.nextEdit?.rejected ?? 0 };
  }

  test("a rename: the next place is shown, Tab jumps, Tab accepts, Esc dismisses the one after", async () => {
    assert.ok(offered, "the daemon offers nextEdit (initialize's capabilities.methods)");
    await until("the extension's connection", () => statusItems.some((item) => item.text.includes("sparkle")));
    const { document, editor } = open("scale.py");
    const start = await verdicts();

    editor.type("amount", "value".length); // the parameter renamed in the definition
    await until("a suggestion", () => recorded.contextKeys.get(VISIBLE) === true);
    assert.ok(editor.afterTexts().includes("amount"), `the new text at its place: ${editor.afterTexts().join(" | ")}`);
    assert.ok(editor.afterTexts().some((text) => /Tab: next edit \(line [23]\)/.test(text)), "the hint says where Tab goes");

    await api.commands.executeCommand("codesaga.nextEdit.tab");
    const jumped = editor.selection.active;
    assert.ok(jumped.line === 1 || jumped.line === 2, "the cursor is at the next place");
    assert.equal(document.getText().slice(document.offsetAt(jumped)).slice(0, 5), "value");
    assert.equal(document.getText(), SOURCE.replace("(value", "(amount"), "a jump changes nothing");

    await api.commands.executeCommand("codesaga.nextEdit.tab");
    assert.equal(document.getText().split("\n")[jumped.line].slice(jumped.character, jumped.character + 6), "amount", "accepted");
    assert.equal(recorded.contextKeys.get(VISIBLE), false);

    await until("the suggestion after it", () => recorded.contextKeys.get(VISIBLE) === true);
    const text = document.getText();
    await api.commands.executeCommand("codesaga.nextEdit.dismiss");
    assert.equal(recorded.contextKeys.get(VISIBLE), false);
    assert.equal(document.getText(), text, "a dismissal changes nothing");
    assert.deepEqual(editor.afterTexts().filter(Boolean), [], "nothing painted");

    const end = await until("the verdicts in the daemon's stats", async () => {
      const now = await verdicts();
      return now.accepted > start.accepted && now.rejected > start.rejected && now;
    });
    assert.deepEqual({ accepted: end.accepted - start.accepted, rejected: end.rejected - start.rejected }, { accepted: 1, rejected: 1 });
  });

  test("a suggestion ignored lapses once the cursor goes far from it: no jump on the next Tab, no verdict", async () => {
    // It stayed until the document changed: a click far away and a Tab to indent jumped back
    // to it, and a second Tab applied it.
    const below = Array.from({ length: 20 }, (_, i) => `print("line ${i + 4}")\n`).join("");
    const { document, editor } = open("lapse.py", SOURCE + below);
    editor.type("amount", "value".length);
    await until("a suggestion", () => recorded.contextKeys.get(VISIBLE) === true);
    const start = await verdicts();
    editor.moveTo(6); // line 7: within 5 lines of the suggestion (line 2 or 3)
    assert.equal(recorded.contextKeys.get(VISIBLE), true, "a move near it keeps it");
    editor.moveTo(15, 4);
    assert.equal(recorded.contextKeys.get(VISIBLE), false, "lapsed");
    assert.deepEqual(editor.afterTexts().filter(Boolean), [], "nothing painted");
    const text = document.getText();
    await api.commands.executeCommand("codesaga.nextEdit.tab");
    assert.deepEqual([editor.selection.active.line, editor.selection.active.character], [15, 4], "no jump");
    assert.equal(document.getText(), text);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await verdicts(), start, "neither accepted nor rejected");
  });

  test("an accept the editor refuses is not counted, and is said", async () => {
    // Reported accepted before the editor tried: stats counted an edit never made.
    const { document, editor } = open("refused.py");
    editor.type("amount", "value".length);
    await until("a suggestion", () => recorded.contextKeys.get(VISIBLE) === true);
    await api.commands.executeCommand("codesaga.nextEdit.tab"); // jump
    const start = await verdicts();
    const text = document.getText();
    const said = recorded.messages.length;
    editor.refuseEdits = true;
    await api.commands.executeCommand("codesaga.nextEdit.tab"); // accept, refused
    assert.equal(document.getText(), text);
    assert.match(recorded.messages.slice(said).join("\n"), /did not make the next edit/);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await verdicts(), start);
  });

  test("next edits follow completion's switches: a language off, completion off, snoozed", async () => {
    // Markdown and plain text (off for completion by default) still got suggestions and the
    // Tab takeover, as did a snoozed or disabled completion.
    const window = api.window as unknown as Record<string, unknown>;
    const pick = window.showQuickPick;
    const nothingShown = async (what: string) => {
      await new Promise((r) => setTimeout(r, 1500)); // the pause, and an answer's time
      assert.notEqual(recorded.contextKeys.get(VISIBLE), true, what);
    };
    try {
      recorded.settings["completion.languages"] = { "*": true, python: false };
      open("off-language.py").editor.type("amount", "value".length);
      await nothingShown("a language with completion off");
      delete recorded.settings["completion.languages"];
      recorded.settings["completion.enabled"] = false;
      open("off.py").editor.type("amount", "value".length);
      await nothingShown("completion off");
      delete recorded.settings["completion.enabled"];
      window.showQuickPick = async (items: Array<{ minutes: number }>) => items[0]; // 5 minutes
      await api.commands.executeCommand("codesaga.snooze");
      open("snoozed.py").editor.type("amount", "value".length);
      await nothingShown("snoozed");
    } finally {
      delete recorded.settings["completion.languages"];
      delete recorded.settings["completion.enabled"];
      window.showQuickPick = async (items: Array<{ minutes: number }>) => items.find((item) => item.minutes === 0); // resume
      await api.commands.executeCommand("codesaga.snooze");
      window.showQuickPick = pick;
    }
    const { editor } = open("resumed.py");
    editor.type("amount", "value".length);
    await until("a suggestion once all is on again", () => recorded.contextKeys.get(VISIBLE) === true);
    const before = await verdicts();
    await api.commands.executeCommand("codesaga.nextEdit.dismiss");
    // The rejection travels on the extension's connection, not on the probe's: wait for it,
    // or the next test's starting count races it.
    await until("the dismissal's verdict", async () => (await verdicts()).rejected > before.rejected);
  });

  test("a suggestion taken down by turning next edits off or switching editors is no rejection", async () => {
    // Both were reported rejected, as if the programmer had said no.
    const start = await verdicts();
    open("toggled.py").editor.type("amount", "value".length);
    await until("a suggestion", () => recorded.contextKeys.get(VISIBLE) === true);
    recorded.settings["nextEdit.enabled"] = false;
    fire(recorded, "onDidChangeConfiguration", { affectsConfiguration: (section: string) => section === "codesaga.nextEdit.enabled" });
    assert.equal(recorded.contextKeys.get(VISIBLE), false);
    delete recorded.settings["nextEdit.enabled"];
    fire(recorded, "onDidChangeConfiguration", { affectsConfiguration: (section: string) => section === "codesaga.nextEdit.enabled" });
    open("switched.py").editor.type("amount", "value".length);
    await until("a suggestion", () => recorded.contextKeys.get(VISIBLE) === true);
    for (const listener of recorded.editorSwitches) listener(undefined);
    assert.equal(recorded.contextKeys.get(VISIBLE), false);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await verdicts(), start);
  });
});
