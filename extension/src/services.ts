// What the editor-facing modules share: made once by activate() and passed to each module's
// register function (no module globals).

import * as vscode from "vscode";

import { type Call, CompletionEngine } from "./completion";
import { askAgainOnceStopped, Connection } from "./connection";
import { InlineMarker } from "./nextEdit";
import { completionSettings, daemonCommand } from "./settings";
import { StatusBar } from "./statusBar";

declare const __VERSION__: string;

/** Inline completion paused until a time (the snooze command; the menu resumes it). */
export class Snooze {
  until = 0;

  get active(): boolean {
    return Date.now() < this.until;
  }

  forMinutes(minutes: number): void {
    this.until = Date.now() + minutes * 60_000;
  }

  resume(): void {
    this.until = 0;
  }
}

export interface Services {
  readonly context: vscode.ExtensionContext;
  /** The "CodeSaga" output channel (CodeSaga: Show Log shows it). */
  readonly output: vscode.OutputChannel;
  /** A timestamped line in the output channel. */
  readonly log: (line: string) => void;
  readonly connection: Connection;
  /** One request to the daemon, connecting (or starting it) first when needed; one that a
   * stopping daemon refused untouched is asked again of the next, once. */
  readonly call: Call;
  readonly completer: CompletionEngine;
  /** Where the last inline completion was offered: next edits wait while it shows. */
  readonly inline: InlineMarker;
  readonly snooze: Snooze;
  readonly status: StatusBar;
}

export function createServices(context: vscode.ExtensionContext): Services {
  const output = vscode.window.createOutputChannel("CodeSaga");
  const log = (line: string) => output.appendLine(`${new Date().toISOString()} ${line}`);
  const connection = new Connection({ command: daemonCommand, clientVersion: __VERSION__, autoStart: true, log });
  context.subscriptions.push(output, { dispose: () => connection.dispose() });
  const call: Call = (method, params, options) =>
    askAgainOnceStopped(() => connection.client(), method, { ...params }, options);
  // A completion refused by a stopping daemon is not asked again: the next keystroke asks.
  const complete: Call = async (method, params, options) =>
    (await connection.client()).call(method, { ...params }, options);
  const snooze = new Snooze();
  const completer = new CompletionEngine(complete, completionSettings, (error) => log(`completion: ${describe(error)}`));
  const status = new StatusBar(connection, completer, snooze);
  return { context, output, log, connection, call, completer, inline: new InlineMarker(), snooze, status };
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
