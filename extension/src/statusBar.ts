// The status bar item: the daemon's state, the completion model, the last completion's
// latency and the snooze. A click opens the menu (commands.ts), titled with ``title``.

import * as vscode from "vscode";

import type { CompletionEngine } from "./completion";
import type { Connection, State } from "./connection";
import type { Services, Snooze } from "./services";
import { completionEnabled, languageEnabled, roleModel } from "./settings";

/** The tooltips' last line: what a click does. */
const MENU = "Click for the menu (start / stop / restart the daemon, log, snooze)";

export class StatusBar {
  private readonly item: vscode.StatusBarItem;
  /** The state in a few words: the menu's title (it had the whole multi-line tooltip). */
  title = "CodeSaga";

  constructor(
    private readonly connection: Connection,
    private readonly completer: CompletionEngine,
    private readonly snooze: Snooze,
  ) {
    this.item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
    this.item.command = "codesaga.menu";
  }

  show(): void {
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }

  paint(state: State = this.connection.state): void {
    const status = this.item;
    switch (state.kind) {
      case "connected":
        this.paintConnected(state);
        break;
      case "connecting":
        status.text = "$(sync~spin) CodeSaga";
        status.tooltip = "Connecting to the CodeSaga daemon…";
        this.title = "CodeSaga: connecting";
        status.backgroundColor = undefined;
        break;
      case "idle":
        status.text = "$(circle-outline) CodeSaga";
        status.tooltip = `CodeSaga: idle — the daemon exited while unused; it starts on the next completion\n${MENU}`;
        this.title = "CodeSaga: idle";
        status.backgroundColor = undefined;
        break;
      case "stopped":
        status.text = "$(debug-stop) CodeSaga";
        status.tooltip = "CodeSaga: stopped — you stopped the daemon; nothing starts it until you do\nClick for the menu (Start the daemon)";
        this.title = "CodeSaga: stopped";
        status.backgroundColor = undefined;
        break;
      case "disconnected":
        status.text = "$(debug-disconnect) CodeSaga";
        // It said "Click to start the daemon"; a click opens the menu.
        status.tooltip = `Not connected: ${state.reason}\nClick for the menu (Start the daemon)`;
        this.title = "CodeSaga: not connected";
        status.backgroundColor = undefined;
        break;
      case "failed":
        status.text = "$(error) CodeSaga";
        status.tooltip = `${state.reason}\n${MENU}`;
        this.title = "CodeSaga: could not connect to the daemon";
        status.backgroundColor = new vscode.ThemeColor("statusBarItem.errorBackground");
        break;
    }
  }

  private paintConnected(state: Extract<State, { kind: "connected" }>): void {
    const status = this.item;
    const off = completionOff();
    if (off) {
      status.text = "$(circle-slash) CodeSaga";
      status.tooltip = `CodeSaga daemon ${state.version}: inline completion is off ${off}\n${MENU}`;
      this.title = `CodeSaga daemon ${state.version}: completion off`;
      status.backgroundColor = undefined;
      return;
    }
    const snoozed = this.snooze.active;
    const latency = this.completer.lastLatencyMs === undefined ? "" : ` · ${this.completer.lastLatencyMs} ms`;
    const model = roleModel("completion") ?? state.models.completion ?? "?";
    // Connected, and yet completions fail (a model not installed, a setting naming none):
    // said here, or suggestions would silently never come.
    const failing = this.completer.lastError;
    status.text = snoozed ? "$(debug-pause) CodeSaga" : `${failing ? "$(warning)" : "$(sparkle)"} CodeSaga${latency}`;
    status.tooltip = `CodeSaga daemon ${state.version}: completion with ${model}${
      snoozed ? ` (snoozed until ${new Date(this.snooze.until).toLocaleTimeString()})` : ""
    }${failing ? `\nThe last completion failed: ${failing}` : ""}\n${MENU}`;
    this.title = `CodeSaga daemon ${state.version}: ${snoozed ? "snoozed" : failing ? "completions failing" : "connected"}`;
    status.backgroundColor = failing ? new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;
  }
}

/** Why inline completion is off for the active editor (the setting, or its language), if it is. */
function completionOff(): string | undefined {
  if (!completionEnabled()) return "(codesaga.completion.enabled)";
  const language = vscode.window.activeTextEditor?.document.languageId;
  if (language && !languageEnabled(language)) return `for ${language} (codesaga.completion.languages)`;
  return undefined;
}

/** Shows the status bar item and repaints it on every connection state, setting change and
 * editor switch (it showed the old model, or a failure of a completion since turned off). */
export function registerStatusBar({ context, connection, completer, status }: Services): void {
  context.subscriptions.push(
    status,
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration("codesaga")) return;
      completer.forgetOutcome(false);
      status.paint();
    }),
    vscode.window.onDidChangeActiveTextEditor(() => status.paint()),
  );
  status.show();
  connection.onState((state) => {
    if (state.kind === "connected") completer.forgetOutcome(); // a new connection, maybe a new daemon
    status.paint(state);
  });
  status.paint();
}
