// The shipped bundle, activated with a fake `vscode` module against a real daemon.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { DaemonClient } from "../src/protocol";
import { COMMAND, type FakeDaemon, startFakeDaemon } from "./daemon";
import { FakeDocument, FakeEditor, Position, Range, Uri, fakeVscode, activateBundle } from "./vscode-fake";

const EXTENSION = join(__dirname, "..", "..");
const manifest = JSON.parse(readFileSync(join(EXTENSION, "package.json"), "utf8"));
const never = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };

describe("the bundle in a (fake) editor", () => {
  let daemon: FakeDaemon;
  const { api, recorded } = fakeVscode({});
  const subscriptions: Array<{ dispose(): void }> = [];
  const saved = { ...process.env };

  before(async () => {
    daemon = await startFakeDaemon([
      ["return max(", "a, b) + 1"],
      ["def add(a, b):\n    return", " a + b"],
      ["add returns the difference", "```python\n    return a + b\n```"],
    ]);
    // The extension reads the runtime dir from the editor's environment.
    for (const key of Object.keys(process.env)) if (key.startsWith("CODESAGA_") || key === "XDG_RUNTIME_DIR") delete process.env[key];
    process.env.CODESAGA_HOME = daemon.home;
    recorded.settings.daemonCommand = COMMAND;
    recorded.settings["completion.debounceMinMs"] = 0;
    activateBundle(api, EXTENSION, subscriptions);
  });
  after(async () => {
    for (const s of subscriptions) s.dispose();
    process.env = saved;
    await daemon.stop();
  });

  /** The daemon's context ring's size (a one-line chunk is never kept: the answer is just it). */
  async function ringSize(): Promise<number> {
    const client = await DaemonClient.connect(daemon.url, daemon.token, "0.0.1");
    try {
      return ((await client.call("context/add", { path: "/probe.py", text: "x" })) as { chunks: number }).chunks;
    } finally {
      client.close();
    }
  }

  test("every contributed command is registered", () => {
    const contributed = manifest.contributes.commands.map((c: { command: string }) => c.command);
    const missing = contributed.filter((id: string) => !recorded.commands.has(id));
    assert.deepEqual(missing, []);
    // And the other way: a command of ours that the palette does not list cannot be run by
    // name (only an inline suggestion's own acceptance is internal).
    const unlisted = [...recorded.commands.keys()].filter((id) => id.startsWith("codesaga.") && !contributed.includes(id));
    assert.deepEqual(unlisted, ["codesaga.accepted"]);
    assert.equal(recorded.inlineProviders.length, 1);
    assert.ok(recorded.webviewProviders.has("codesaga.chat"));
  });

  test("the daemon command is a machine setting: a workspace's settings cannot choose what runs", () => {
    const setting = manifest.contributes.configuration.properties["codesaga.daemonCommand"];
    assert.equal(setting.scope, "machine");
    assert.match(setting.markdownDescription, /`python -m codesaga`/, "the multi-word form the extension accepts");
  });

  test("inline completion answers from the daemon; accepting it sends feedback", async () => {
    const document = new FakeDocument(Uri.file(join(daemon.home, "calc.py")), "def add(a, b):\n    return \n", "python");
    const provider = recorded.inlineProviders[0];
    let items: Array<{ insertText: string; command: { command: string; arguments: string[] } }> | undefined;
    for (let attempt = 0; attempt < 100 && !items; attempt++) {
      // The first keystrokes may come before the connection is up: nothing, not a wait.
      items = (await provider.provideInlineCompletionItems(document, new Position(1, 11), {}, never)) as typeof items;
      if (!items) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(items, "a suggestion once connected");
    assert.equal(items[0].insertText, "a + b");
    assert.equal(items[0].command.command, "codesaga.accepted");
    await api.commands.executeCommand("codesaga.accepted", ...items[0].command.arguments);
    await new Promise((r) => setTimeout(r, 200));
    const client = await DaemonClient.connect(daemon.url, daemon.token, "0.0.1");
    const stats = (await client.call("stats")) as { models: Array<{ accepted: number }> };
    client.close();
    assert.equal(stats.models[0].accepted, 1);
  });

  test("completions that fail are said in the status bar, not only in the log", async () => {
    // Connected, with a completion model that is not installed: the item stayed green and
    // suggestions silently never came.
    const document = new FakeDocument(Uri.file(join(daemon.home, "calc.py")), "def add(a, b):\n    return \n", "python");
    const provider = recorded.inlineProviders[0];
    const [item] = recorded.statusItems;
    recorded.settings["models.completion"] = "no-such-model";
    try {
      assert.equal(await provider.provideInlineCompletionItems(document, new Position(1, 11), {}, never), undefined);
      assert.match(item.text, /\$\(warning\)/);
      assert.match(item.tooltip, /The last completion failed: .*no-such-model/);
    } finally {
      delete recorded.settings["models.completion"];
    }
    const items = await provider.provideInlineCompletionItems(document, new Position(1, 11), {}, never);
    assert.ok(items);
    assert.match(item.text, /\$\(sparkle\)/);
    assert.doesNotMatch(item.tooltip, /failed/);
  });

  test("a suggestion going on past an auto-closed bracket replaces it", async () => {
    // Typed `max(`, the editor closed it: `return max(|)`. The line must read
    // `return max(a, b) + 1`, not `return max(a, b) + 1)`.
    const document = new FakeDocument(Uri.file(join(daemon.home, "top.py")), "def add(a, b):\n    return max()\n", "python");
    const items = (await recorded.inlineProviders[0].provideInlineCompletionItems(document, new Position(1, 15), {}, never)) as
      | Array<{ insertText: string; range: Range }>
      | undefined;
    assert.ok(items, "a suggestion");
    assert.equal(items[0].insertText, "a, b) + 1");
    assert.deepEqual([items[0].range.start.character, items[0].range.end.character], [15, 16]);
  });

  test("the copy keys copy first, then add the copied lines to the daemon's context", async () => {
    const builtins: string[] = [];
    recorded.commands.set("editor.action.clipboardCopyAction", () => void builtins.push("copy"));
    const binding = manifest.contributes.keybindings.find((k: { command: string }) => k.command === "codesaga.copy");
    assert.equal(binding.key, "ctrl+c");
    const setting = /config\.(codesaga\.[\w.]+)/.exec(binding.when)![1];
    assert.ok(setting in manifest.contributes.configuration.properties, "the binding's setting exists");
    const before = await ringSize();
    const text = "import math\n\n\ndef circle_area(radius):\n    return math.pi * radius ** 2\n";
    const document = new FakeDocument(Uri.file(join(daemon.home, "geometry.py")), text, "python");
    const selection = new Range(new Position(0, 0), new Position(5, 0));
    const windowApi = api.window as { activeTextEditor: unknown };
    windowApi.activeTextEditor = { document, selections: [selection] };
    try {
      await api.commands.executeCommand("codesaga.copy");
      assert.deepEqual(builtins, ["copy"]);
      let after = before;
      for (let attempt = 0; attempt < 50 && after === before; attempt++) {
        await new Promise((r) => setTimeout(r, 100));
        after = await ringSize();
      }
      assert.equal(after, before + 1, "the copied function joined the ring");
      windowApi.activeTextEditor = undefined; // no editor: the copy still happens
      await api.commands.executeCommand("codesaga.copy");
      assert.deepEqual(builtins, ["copy", "copy"]);
    } finally {
      windowApi.activeTextEditor = undefined;
    }
  });

  test("switching to an editor has the daemon read that document's prompt ahead", async () => {
    const path = join(daemon.home, "switched.py");
    const text = Array.from({ length: 80 }, (_, i) => `value_${i} = compute(${i})`).join("\n") + "\n";
    const document = new FakeDocument(Uri.file(path), text, "python");
    const cursor = new Position(40, 0);
    const editor = { document, selection: { active: cursor }, selections: [], visibleRanges: [new Range(new Position(30, 0), new Position(60, 0))] };
    for (const listener of recorded.editorSwitches) listener(editor);
    const client = await DaemonClient.connect(daemon.url, daemon.token, "0.0.1");
    try {
      let warmed = false;
      for (let attempt = 0; attempt < 100 && !warmed; attempt++) {
        const stats = (await client.call("stats")) as { completion: { documents: Array<{ path: string; "warm-ups"?: number }> } };
        warmed = stats.completion.documents.some((d) => d.path === path && (d["warm-ups"] ?? 0) > 0);
        if (!warmed) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(warmed, "the switched-to document was read ahead");
    } finally {
      client.close();
    }
  });

  test("a disabled language gets no request", async () => {
    recorded.settings["completion.languages"] = { "*": true, plaintext: false };
    const document = new FakeDocument(Uri.file(join(daemon.home, "notes.txt")), "def add(a, b):\n    return ", "plaintext");
    assert.equal(await recorded.inlineProviders[0].provideInlineCompletionItems(document, new Position(1, 11), {}, never), undefined);
  });

  test("completion is asked for files people write, not settings or other views", () => {
    // A selector of { pattern: "**" } matched every scheme: settings.json (vscode-userdata,
    // which may hold keys), git views, comment boxes.
    const schemes = (recorded.inlineSelectors[0] as Array<{ scheme: string }>).map((f) => f.scheme);
    assert.ok(schemes.includes("file") && schemes.includes("untitled"));
    assert.ok(!schemes.includes("vscode-userdata") && !schemes.includes("git"));
    assert.ok(!(recorded.inlineSelectors[0] as Array<{ pattern?: string }>).some((f) => f.pattern));
  });

  test("with completion off for a language, its documents give the daemon no context", async () => {
    // Context serves completion: a switch to a disabled language's document still sent it,
    // and had the daemon read its prompt with the model.
    recorded.settings["completion.languages"] = { "*": true, markdown: false };
    const before = await ringSize();
    const text = Array.from({ length: 20 }, (_, i) => `Line ${i} of the notes.`).join("\n");
    const document = new FakeDocument(Uri.file(join(daemon.home, "notes.md")), text, "markdown");
    const editor = { document, selection: { active: new Position(3, 0) }, selections: [], visibleRanges: [] };
    for (const listener of recorded.editorSwitches) listener(editor);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await ringSize(), before);
  });

  test("a fix from the Problems view shows the problem's file and asks the daemon", async () => {
    // Its file was not the active one: the command returned and did nothing at all.
    const uri = Uri.file("/work/calc.py");
    recorded.documents.set(uri.toString(), new FakeDocument(uri, "def add(a, b):\n    return a - b\n", "python"));
    api.window.activeTextEditor = undefined;
    const said = recorded.messages.length;
    const problem = new Range(new Position(1, 4), new Position(1, 16));
    await recorded.commands.get("codesaga.fix")?.(uri, "add returns the difference", problem);
    const shown = api.window.activeTextEditor as FakeEditor | undefined; // set by the command
    assert.equal(shown?.document.uri, uri);
    assert.deepEqual(recorded.messages.slice(said), ["Apply CodeSaga's fix to calc.py?"]);
    // Answered (dismissed here), the question's diff is closed: it was left open.
    assert.deepEqual(recorded.tabs, []);
  });

  test("Apply writes the fix, then closes its diff (closing it may close the file's document)", async () => {
    // The diff was closed before the edit: a file open in a preview tab, whose document went
    // with the diff, was refused as "closed meanwhile".
    const uri = Uri.file("/work/applied.py");
    const document = new FakeDocument(uri, "def add(a, b):\n    return a - b\n", "python");
    recorded.documents.set(uri.toString(), document);
    api.window.activeTextEditor = new FakeEditor(document, new Position(1, 4));
    const window = api.window as unknown as Record<string, unknown>;
    const groups = api.window.tabGroups as unknown as Record<string, unknown>;
    const ask = window.showInformationMessage;
    const close = groups.close as (tabs: unknown[]) => Promise<boolean>;
    window.showInformationMessage = async (message: string) => {
      recorded.messages.push(message);
      return "Apply";
    };
    groups.close = async (tabs: unknown[]) => {
      document.isClosed = true; // the document went with the diff
      return close(tabs);
    };
    try {
      const problem = new Range(new Position(1, 4), new Position(1, 16));
      await recorded.commands.get("codesaga.fix")?.(uri, "add returns the difference", problem);
    } finally {
      window.showInformationMessage = ask;
      groups.close = close;
    }
    assert.equal(document.getText(), "def add(a, b):\n    return a + b\n");
    assert.deepEqual(recorded.tabs, []);
  });

  test("Apply after the file was closed applies nothing", async () => {
    // The edit would have opened the file from disk and put a text made from the closed
    // editor's (maybe discarded) changes over it.
    const uri = Uri.file("/work/closed.py");
    const document = new FakeDocument(uri, "def add(a, b):\n    return a - b\n", "python");
    recorded.documents.set(uri.toString(), document);
    api.window.activeTextEditor = new FakeEditor(document, new Position(1, 4));
    const window = api.window as unknown as Record<string, unknown>;
    const ask = window.showInformationMessage;
    window.showInformationMessage = async (message: string) => {
      recorded.messages.push(message);
      document.isClosed = true; // closed while the question was up
      return "Apply";
    };
    try {
      const problem = new Range(new Position(1, 4), new Position(1, 16));
      await recorded.commands.get("codesaga.fix")?.(uri, "add returns the difference", problem);
    } finally {
      window.showInformationMessage = ask;
    }
    assert.equal(recorded.messages.at(-1), "CodeSaga: the file was closed meanwhile; nothing applied. Run it again.");
    assert.equal(document.getText(), "def add(a, b):\n    return a - b\n");
  });

  test("Cancel clicked while the answer was on its way shows no diff and asks nothing", async () => {
    // The answer still came (the cancel only asks the daemon to stop): the diff and the Apply
    // question showed, after all.
    const uri = Uri.file("/work/cancelled.py");
    recorded.documents.set(uri.toString(), new FakeDocument(uri, "def add(a, b):\n    return a - b\n", "python"));
    const window = api.window as unknown as Record<string, unknown>;
    const progress = window.withProgress;
    window.withProgress = async (_options: unknown, task: (p: unknown, t: unknown) => Promise<unknown>) => {
      const token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };
      const running = task({ report() {} }, token);
      token.isCancellationRequested = true; // clicked while the daemon answers
      return running;
    };
    const said = recorded.messages.length;
    try {
      const problem = new Range(new Position(1, 4), new Position(1, 16));
      await recorded.commands.get("codesaga.fix")?.(uri, "add returns the difference", problem);
    } finally {
      window.withProgress = progress;
    }
    assert.deepEqual(recorded.messages.slice(said), []);
  });

  test("a refactor or fix with nothing to work on says so", async () => {
    // With no editor they returned without a word; Refactor Selection with nothing selected
    // refactored the cursor's line alone.
    api.window.activeTextEditor = undefined;
    const said = recorded.messages.length;
    await recorded.commands.get("codesaga.refactorSelection")?.();
    await recorded.commands.get("codesaga.fix")?.();
    const uri = Uri.file("/work/nothing-selected.py");
    const document = new FakeDocument(uri, "x = 1\n", "python");
    recorded.documents.set(uri.toString(), document);
    api.window.activeTextEditor = new FakeEditor(document, new Position(0, 0));
    await recorded.commands.get("codesaga.refactorSelection")?.();
    assert.deepEqual(recorded.messages.slice(said), [
      "CodeSaga: open the file to refactor first.",
      "CodeSaga: open the file with the problem to fix first.",
      "CodeSaga: select the lines to refactor (or refactor the file).",
    ]);
  });

  test("problems get a fix action", () => {
    const provider = recorded.codeActionProviders[0] as { provideCodeActions: (...a: unknown[]) => Array<{ title: string; command: { command: string } }> };
    const range = new Range(new Position(1, 4), new Position(1, 9));
    const actions = provider.provideCodeActions(new FakeDocument(Uri.file("/w/a.py"), "x\ny\n", "python"), range, { diagnostics: [{ message: "undefined name 'c'", range }] });
    assert.equal(actions.length, 1);
    assert.equal(actions[0].command.command, "codesaga.fix");
    assert.match(actions[0].title, /undefined name/);
  });

  /** A chat view the extension resolves, as a panel would show it: what was posted to its page,
   * a message from the page, and the session the page was last told is current. */
  function chatPage() {
    const posted: Array<{ type: string; current?: string }> = [];
    let receive: ((message: unknown) => unknown) | undefined;
    const view = {
      webview: {
        options: {},
        html: "",
        cspSource: "vscode-webview-resource:",
        asWebviewUri: (uri: Uri) => uri,
        postMessage: async (message: { type: string }) => void posted.push(message),
        onDidReceiveMessage: (handler: (message: unknown) => unknown) => {
          receive = handler;
          return { dispose() {} };
        },
      },
    };
    recorded.webviewProviders.get("codesaga.chat")!.resolveWebviewView(view);
    const current = () => posted.filter((m) => m.type === "sessions").at(-1)?.current;
    return { view, posted, send: (message: unknown) => receive!(message), current };
  }

  test("the chat webview loads nothing remote and answers the page", async () => {
    const { view, posted, send } = chatPage();
    const html = view.webview.html;
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; /);
    assert.match(html, /<script nonce="[0-9a-f]{32}" src=/);
    assert.ok(!/https?:\/\//.test(html), "no remote URL in the page");
    await send({ type: "ready" });
    assert.deepEqual(posted.map((m) => m.type), ["sessions", "transcript", "busy"]);
  });

  test("the chat view moved to another panel goes on with the conversation it showed", async () => {
    // Each resolve made a controller of its own: the moved view showed the workspace's
    // newest session, and the old one's answer streamed on where nobody could stop it.
    const first = chatPage();
    await first.send({ type: "ready" });
    const older = first.current()!;
    await first.send({ type: "newSession" });
    await first.send({ type: "openSession", id: older });
    const moved = chatPage();
    await moved.send({ type: "ready" });
    assert.equal(moved.current(), older);
    const before = first.posted.length;
    await first.send({ type: "newSession" }); // the old page's: not acted on
    await moved.send({ type: "ready" });
    assert.equal(moved.current(), older);
    assert.equal(first.posted.length, before, "nothing more goes to the page gone");
  });
});
