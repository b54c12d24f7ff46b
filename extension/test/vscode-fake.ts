// Just enough of the `vscode` module to activate the shipped bundle (dist/extension.js) under
// node and record what it registers. No VS Code can be downloaded here; the logic lives in
// the plain modules, and this checks the glue: contributions registered, providers wired.

import Module from "node:module";
import { join } from "node:path";

type Listener<T> = (value: T) => unknown;

export class EventEmitter<T> {
  private listeners: Array<Listener<T>> = [];
  event = (listener: Listener<T>) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(value: T): void {
    for (const listener of this.listeners) listener(value);
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
  translate(lineDelta = 0, characterDelta = 0): Position {
    return new Position(this.line + lineDelta, this.character + characterDelta);
  }
}

export class Range {
  constructor(
    readonly start: Position,
    readonly end: Position,
  ) {}
  contains(p: Position): boolean {
    return p.line >= this.start.line && p.line <= this.end.line;
  }
  get isEmpty(): boolean {
    return this.start.line === this.end.line && this.start.character === this.end.character;
  }
}

export class Selection extends Range {
  constructor(
    readonly anchor: Position,
    readonly active: Position,
  ) {
    super(anchor, active);
  }
}

export class MarkdownString {
  constructor(public value = "") {}
  appendCodeblock(code: string, language = ""): MarkdownString {
    this.value += `\n\`\`\`${language}\n${code}\n\`\`\`\n`;
    return this;
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
    readonly query = "",
  ) {}
  static file(path: string): Uri {
    return new Uri("file", path);
  }
  static from(parts: { scheme: string; path: string; query?: string }): Uri {
    return new Uri(parts.scheme, parts.path, parts.query);
  }
  static joinPath(base: Uri, ...segments: string[]): Uri {
    return new Uri(base.scheme, [base.path, ...segments].join("/"));
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return `${this.scheme}://${this.path}${this.query ? `?${this.query}` : ""}`;
  }
}

/** A text document over a string, as far as the extension reads one. */
export class FakeDocument {
  version = 1;
  isClosed = false;
  constructor(
    readonly uri: Uri,
    private text: string,
    readonly languageId: string,
  ) {}
  get fileName(): string {
    return this.uri.fsPath;
  }
  getText(range?: Range): string {
    if (!range) return this.text;
    return this.text.slice(this.offsetAt(range.start), this.offsetAt(range.end));
  }
  offsetAt(p: Position): number {
    const lines = this.text.split("\n");
    let offset = 0;
    for (let i = 0; i < p.line && i < lines.length; i++) offset += lines[i].length + 1;
    return Math.min(this.text.length, offset + p.character);
  }
  positionAt(offset: number): Position {
    const before = this.text.slice(0, Math.max(0, Math.min(offset, this.text.length))).split("\n");
    return new Position(before.length - 1, before[before.length - 1].length);
  }
  lineAt(line: number): { text: string; range: Range } {
    const text = this.text.split("\n")[line] ?? "";
    return { text, range: new Range(new Position(line, 0), new Position(line, text.length)) };
  }
  /** Replace ``range`` by ``text`` as the editor would: the version moves on. */
  replace(range: Range, text: string): { range: Range; rangeOffset: number; rangeLength: number; text: string } {
    const start = this.offsetAt(range.start);
    const end = this.offsetAt(range.end);
    this.text = this.text.slice(0, start) + text + this.text.slice(end);
    this.version++;
    return { range, rangeOffset: start, rangeLength: end - start, text };
  }
}

/** A text editor over a FakeDocument: its selection, decorations and edits. An edit calls
 * ``changed`` with the change event the editor would fire; a new selection (the cursor moved
 * by a click, by typing or by the extension) calls ``selected``. */
export class FakeEditor {
  private current: Selection;
  visibleRanges: Range[] = [];
  /** The editor refuses edits (as it does one made for an older version of the text). */
  refuseEdits = false;
  readonly decorations = new Map<unknown, Array<{ range: Range; renderOptions?: { after?: { contentText?: string } } }>>();

  constructor(
    readonly document: FakeDocument,
    cursor: Position,
    private readonly changed: (event: { document: FakeDocument; contentChanges: unknown[] }) => void = () => undefined,
    private readonly selected: (event: { textEditor: FakeEditor; selections: Selection[] }) => void = () => undefined,
  ) {
    this.current = new Selection(cursor, cursor);
  }

  get selection(): Selection {
    return this.current;
  }

  set selection(selection: Selection) {
    this.current = selection;
    this.selected({ textEditor: this, selections: [selection] });
  }

  /** Put the cursor at ``line``, ``character`` (a click). */
  moveTo(line: number, character = 0): void {
    const at = new Position(line, character);
    this.selection = new Selection(at, at);
  }

  get selections(): Selection[] {
    return [this.selection];
  }

  setDecorations(type: unknown, ranges: Array<{ range: Range }>): void {
    this.decorations.set(type, ranges);
  }

  revealRange(): void {}

  /** The after-texts shown, in the order of the decoration types' creation. */
  afterTexts(): string[] {
    return [...this.decorations.values()].flat().map((d) => d.renderOptions?.after?.contentText ?? "");
  }

  /** Type ``text`` at the cursor (replacing ``length`` characters before it, for a rename). */
  type(text: string, replacing = 0): void {
    const end = this.document.offsetAt(this.selection.active);
    const range = new Range(this.document.positionAt(end - replacing), this.selection.active);
    this.applyAll([{ range, text }]);
    const after = this.document.positionAt(end - replacing + text.length);
    this.selection = new Selection(after, after);
  }

  async edit(build: (builder: { replace(range: Range, text: string): void }) => void): Promise<boolean> {
    const replaces: Array<{ range: Range; text: string }> = [];
    build({ replace: (range, text) => void replaces.push({ range, text }) });
    if (this.refuseEdits) return false;
    this.applyAll(replaces);
    return true;
  }

  private applyAll(replaces: Array<{ range: Range; text: string }>): void {
    const ordered = [...replaces].sort((a, b) => this.document.offsetAt(b.range.start) - this.document.offsetAt(a.range.start));
    const contentChanges = ordered.map((r) => this.document.replace(r.range, r.text));
    this.changed({ document: this.document, contentChanges });
  }
}

export interface Recorded {
  commands: Map<string, (...args: unknown[]) => unknown>;
  inlineProviders: Array<{ provideInlineCompletionItems: (...args: unknown[]) => Promise<unknown> }>;
  /** The document selectors the inline providers were registered for. */
  inlineSelectors: unknown[];
  webviewProviders: Map<string, { resolveWebviewView: (view: unknown) => void }>;
  codeActionProviders: unknown[];
  messages: string[];
  settings: Record<string, unknown>;
  editorSwitches: Array<(editor: unknown) => void>;
  /** Listeners of other editor events, by the event's name (e.g. onDidChangeTextDocument). */
  listeners: Map<string, Array<(value: unknown) => void>>;
  /** Context keys set with the setContext command. */
  contextKeys: Map<string, unknown>;
  decorationTypes: Array<{ options: unknown }>;
  /** The status bar items made, as the extension last painted them. */
  statusItems: Array<{ text: string; tooltip: string; backgroundColor?: unknown }>;
  /** The documents window.showTextDocument can show, by their URI's text. */
  documents: Map<string, FakeDocument>;
  /** The editor tabs open (vscode.diff opens one), in one tab group. */
  tabs: Array<{ input: unknown }>;
}

/** A WorkspaceEdit that keeps its replaces, for the fake workspace.applyEdit. */
export class FakeWorkspaceEdit {
  readonly replaces: Array<{ uri: Uri; range: Range; text: string }> = [];

  replace(uri: Uri, range: Range, text: string): void {
    this.replaces.push({ uri, range, text });
  }
}

/** A diff tab's input: the texts compared. */
export class TabInputTextDiff {
  constructor(
    readonly original: Uri,
    readonly modified: Uri,
  ) {}
}

/** Call the listeners of the event ``name`` with ``value``. */
export function fire(recorded: Recorded, name: string, value: unknown): void {
  for (const listener of recorded.listeners.get(name) ?? []) listener(value);
}

export function fakeVscode(settings: Record<string, unknown> = {}) {
  const recorded: Recorded = {
    commands: new Map(),
    inlineProviders: [],
    inlineSelectors: [],
    webviewProviders: new Map(),
    codeActionProviders: [],
    messages: [],
    settings,
    editorSwitches: [],
    listeners: new Map(),
    contextKeys: new Map(),
    decorationTypes: [],
    statusItems: [],
    documents: new Map(),
    tabs: [],
  };
  const on = (name: string) => (listener: (value: unknown) => void) => {
    recorded.listeners.set(name, [...(recorded.listeners.get(name) ?? []), listener]);
    return disposable;
  };
  const disposable = { dispose() {} };
  const event = () => disposable;
  const say = async (message: string) => {
    recorded.messages.push(message);
    return undefined;
  };
  const api = {
    EventEmitter,
    Position,
    Range,
    Selection,
    MarkdownString,
    Uri,
    TextEditorRevealType: { InCenterIfOutsideViewport: 2 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    ProgressLocation: { Notification: 15 },
    ConfigurationTarget: { Global: 1 },
    CodeActionKind: { QuickFix: "quickfix" },
    TabInputTextDiff,
    ThemeColor: class {
      constructor(readonly id: string) {}
    },
    InlineCompletionItem: class {
      constructor(
        readonly insertText: string,
        readonly range: Range,
        readonly command?: { command: string; arguments: unknown[] },
      ) {}
    },
    CodeAction: class {
      constructor(
        readonly title: string,
        readonly kind: string,
      ) {}
    },
    WorkspaceEdit: FakeWorkspaceEdit,
    window: {
      tabGroups: {
        get all() {
          return [{ tabs: recorded.tabs }];
        },
        close: async (tabs: Array<{ input: unknown }>) => {
          recorded.tabs = recorded.tabs.filter((tab) => !tabs.includes(tab));
          return true;
        },
      },
      createOutputChannel: () => ({ appendLine() {}, show() {}, dispose() {} }),
      createStatusBarItem: () => {
        const item = { text: "", tooltip: "", show() {}, dispose() {} };
        recorded.statusItems.push(item);
        return item;
      },
      showWarningMessage: say,
      showInformationMessage: say,
      showErrorMessage: say,
      showQuickPick: async () => undefined,
      withProgress: async (_options: unknown, task: (progress: unknown, token: unknown) => unknown) =>
        task({ report() {} }, { isCancellationRequested: false, onCancellationRequested: event }),
      activeTextEditor: undefined as FakeEditor | undefined,
      visibleTextEditors: [],
      showTextDocument: async (uri: Uri) => {
        const document = recorded.documents.get(uri.toString());
        if (!document) throw new Error(`no document ${uri.toString()} to show`);
        api.window.activeTextEditor = new FakeEditor(document, new Position(0, 0));
        return api.window.activeTextEditor;
      },
      onDidChangeActiveTextEditor: (listener: (editor: unknown) => void) => {
        recorded.editorSwitches.push(listener);
        return disposable;
      },
      onDidChangeVisibleTextEditors: on("onDidChangeVisibleTextEditors"),
      onDidChangeTextEditorSelection: on("onDidChangeTextEditorSelection"),
      createTextEditorDecorationType: (options: unknown) => {
        const type = { options, dispose() {} };
        recorded.decorationTypes.push(type);
        return type;
      },
      registerWebviewViewProvider: (id: string, provider: { resolveWebviewView: (view: unknown) => void }) => {
        recorded.webviewProviders.set(id, provider);
        return disposable;
      },
    },
    workspace: {
      /** Applies a FakeWorkspaceEdit to the documents known (a closed one refuses it). */
      applyEdit: async (edit: FakeWorkspaceEdit) => {
        const known = edit.replaces.map((r) => recorded.documents.get(r.uri.toString()));
        if (known.some((d) => !d || d.isClosed)) return false;
        edit.replaces.forEach((r, i) => known[i]!.replace(r.range, r.text));
        return true;
      },
      getConfiguration: () => ({
        get: (key: string, fallback?: unknown) => (key in recorded.settings ? recorded.settings[key] : fallback),
        update: async (key: string, value: unknown) => {
          recorded.settings[key] = value;
        },
      }),
      getWorkspaceFolder: () => undefined,
      workspaceFolders: undefined,
      onDidSaveTextDocument: event,
      onDidChangeTextDocument: on("onDidChangeTextDocument"),
      onDidCloseTextDocument: on("onDidCloseTextDocument"),
      onDidChangeConfiguration: on("onDidChangeConfiguration"),
      registerTextDocumentContentProvider: () => disposable,
    },
    languages: {
      registerInlineCompletionItemProvider: (selector: unknown, provider: Recorded["inlineProviders"][number]) => {
        recorded.inlineSelectors.push(selector);
        recorded.inlineProviders.push(provider);
        return disposable;
      },
      registerCodeActionsProvider: (_selector: unknown, provider: unknown) => {
        recorded.codeActionProviders.push(provider);
        return disposable;
      },
      getDiagnostics: () => [],
    },
    commands: {
      registerCommand: (id: string, handler: (...args: unknown[]) => unknown) => {
        recorded.commands.set(id, handler);
        return disposable;
      },
      executeCommand: async (id: string, ...args: unknown[]) => {
        if (id === "setContext") recorded.contextKeys.set(String(args[0]), args[1]);
        if (id === "vscode.diff") recorded.tabs.push({ input: new TabInputTextDiff(args[0] as Uri, args[1] as Uri) });
        return recorded.commands.get(id)?.(...args);
      },
    },
    env: { clipboard: { writeText: async () => undefined } },
  };
  return { api, recorded };
}

/** Make `require("vscode")` return ``api`` (the bundle marks vscode as external). */
export function installVscode(api: object): void {
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = loader._load;
  loader._load = function (request: string, ...rest: unknown[]) {
    if (request === "vscode") return api;
    return original.call(this, request, ...rest);
  };
}

/** Load the extension's built bundle (in ``folder``/dist) with ``api`` as its `vscode`, and
 * activate it as the editor does, its disposables going to ``subscriptions``. */
export function activateBundle(api: object, folder: string, subscriptions: Array<{ dispose(): void }>): void {
  installVscode(api);
  // The built bundle, loaded after the fake vscode module is installed for it to import.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const extension = require(join(folder, "dist", "extension.js"));
  const state = new Map<string, unknown>();
  extension.activate({
    subscriptions,
    extensionUri: Uri.file(folder),
    globalState: { get: (k: string, d: unknown) => state.get(k) ?? d, update: async (k: string, v: unknown) => void state.set(k, v) },
  });
}
