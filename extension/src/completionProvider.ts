// Inline completion in the editor: VS Code's provider adapted to the CompletionEngine
// (completion.ts), the accept command that reports feedback, and dismissal on an editor switch.
// Where a suggestion was offered is marked (services.inline): next edits wait while it shows.

import * as vscode from "vscode";

import type { CursorContext } from "./completion";
import type { Services } from "./services";
import { completionEnabled, completionSettings, languageEnabled, workspaceOf } from "./settings";

/** After a keystroke's connection (or daemon start) failed, keystrokes try again in the
 * background at most this often. (The background reconnect's own failures do not count:
 * it never starts the daemon, which a keystroke must, after the daemon exited when idle.) */
const RETRY_AFTER_FAILURE_MS = 30_000;

export const COMPLETED_SCHEMES = ["file", "untitled", "vscode-notebook-cell"];

export function registerCompletion(services: Services): void {
  const { context, completer } = services;
  context.subscriptions.push(
    // Documents people write code in: not settings.json (which may hold keys), git views,
    // comment boxes or other extensions' inputs, which a pattern of "**" also matched.
    vscode.languages.registerInlineCompletionItemProvider(COMPLETED_SCHEMES.map((scheme) => ({ scheme })), inlineProvider(services)),
    vscode.commands.registerCommand("codesaga.accepted", (requestId: string) => completer.accepted(requestId)),
    vscode.window.onDidChangeActiveTextEditor(() => completer.dismissed()),
  );
}

function inlineProvider(services: Services): vscode.InlineCompletionItemProvider {
  const { connection, completer, snooze, status } = services;
  let lastFailureAt = 0;
  return {
    async provideInlineCompletionItems(document, position, _context, token) {
      if (!completionEnabled() || snooze.active) return undefined;
      if (!languageEnabled(document.languageId)) return undefined;
      if (!connection.connected) {
        // Keystrokes must never wait for a daemon start; connect in the background, and
        // not on every keystroke after a failure. Not at all while the user has the daemon
        // stopped: that attempt could only fail (running `daemon status` each time) and
        // turned the item red.
        if (!connection.stoppedByUser && Date.now() - lastFailureAt > RETRY_AFTER_FAILURE_MS) {
          connection.client().catch(() => {
            lastFailureAt = Date.now();
          });
        }
        return undefined;
      }
      const suggestion = await completer.suggest(cursorContext(document, position), token);
      status.paint();
      if (!suggestion) return undefined;
      services.inline.offered(document.uri.toString(), document.version, document.offsetAt(position));
      return [
        new vscode.InlineCompletionItem(suggestion.text, new vscode.Range(position, position.translate(0, suggestion.replace)), {
          title: "accepted",
          command: "codesaga.accepted",
          arguments: [suggestion.requestId],
        }),
      ];
    },
  };
}

/** The text around the cursor, at most codesaga.completion.contextChars either side (the
 * completer clips it to that many in all). */
function cursorContext(document: vscode.TextDocument, position: vscode.Position): CursorContext {
  const limit = completionSettings().contextChars;
  const offset = document.offsetAt(position);
  const before = document.getText(new vscode.Range(document.positionAt(Math.max(0, offset - limit)), position));
  const after = document.getText(new vscode.Range(position, document.positionAt(offset + limit)));
  return {
    document: document.uri.toString(),
    path: document.uri.scheme === "file" ? document.uri.fsPath : undefined,
    languageId: document.languageId,
    before,
    after,
    workspace: workspaceOf(document.uri),
  };
}
