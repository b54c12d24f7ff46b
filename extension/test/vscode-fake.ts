// Just enough of the `vscode` module to activate the shipped bundle (dist/extension.js) under
// node and record what it registers. No VS Code can be downloaded here; the logic lives in
// the plain modules, and this checks the glue: contributions registered, providers wired.

import Module from "node:module";

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
}

export class Range {
  constructor(
    readonly start: Position,
    readonly end: Position,
  ) {}
  contains(p: Position): boolean {
    return p.line >= this.start.line && p.line <= this.end.line;
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
}

export interface Recorded {
  commands: Map<string, (...args: unknown[]) => unknown>;
  inlineProviders: Array<{ provideInlineCompletionItems: (...args: unknown[]) => Promise<unknown> }>;
  webviewProviders: Map<string, { resolveWebviewView: (view: unknown) => void }>;
  codeActionProviders: unknown[];
  messages: string[];
  settings: Record<string, unknown>;
  editorSwitches: Array<(editor: unknown) => void>;
}

export function fakeVscode(settings: Record<string, unknown> = {}) {
  const recorded: Recorded = {
    commands: new Map(),
    inlineProviders: [],
    webviewProviders: new Map(),
    codeActionProviders: [],
    messages: [],
    settings,
    editorSwitches: [],
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
    Uri,
    StatusBarAlignment: { Left: 1, Right: 2 },
    ProgressLocation: { Notification: 15 },
    ConfigurationTarget: { Global: 1 },
    CodeActionKind: { QuickFix: "quickfix" },
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
    WorkspaceEdit: class {
      replace() {}
    },
    window: {
      createOutputChannel: () => ({ appendLine() {}, show() {}, dispose() {} }),
      createStatusBarItem: () => ({ text: "", tooltip: "", show() {}, dispose() {} }),
      showWarningMessage: say,
      showInformationMessage: say,
      showErrorMessage: say,
      showQuickPick: async () => undefined,
      withProgress: async (_options: unknown, task: (progress: unknown, token: unknown) => unknown) =>
        task({ report() {} }, { isCancellationRequested: false, onCancellationRequested: event }),
      activeTextEditor: undefined,
      visibleTextEditors: [],
      onDidChangeActiveTextEditor: (listener: (editor: unknown) => void) => {
        recorded.editorSwitches.push(listener);
        return disposable;
      },
      registerWebviewViewProvider: (id: string, provider: { resolveWebviewView: (view: unknown) => void }) => {
        recorded.webviewProviders.set(id, provider);
        return disposable;
      },
    },
    workspace: {
      getConfiguration: () => ({
        get: (key: string, fallback?: unknown) => (key in recorded.settings ? recorded.settings[key] : fallback),
        update: async (key: string, value: unknown) => {
          recorded.settings[key] = value;
        },
      }),
      getWorkspaceFolder: () => undefined,
      workspaceFolders: undefined,
      onDidSaveTextDocument: event,
      onDidChangeTextDocument: event,
      registerTextDocumentContentProvider: () => disposable,
    },
    languages: {
      registerInlineCompletionItemProvider: (_selector: unknown, provider: Recorded["inlineProviders"][number]) => {
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
      executeCommand: async (id: string, ...args: unknown[]) => recorded.commands.get(id)?.(...args),
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
