// What the programmer looks at, saves, edits and copies goes to the daemon's completion
// context (ContextFeeder, context.ts). Opening a document (an editor switch, or the active one
// on a (re)connection) also has the daemon read its prompt ahead of the first keystroke.

import * as vscode from "vscode";

import { ContextFeeder, type Origin } from "./context";
import { describe, type Services } from "./services";
import { completionEnabled, languageEnabled, workspaceOf } from "./settings";

export function registerContextFeed(services: Services): void {
  const { context, connection, call, log, snooze } = services;
  const feeder = new ContextFeeder((params) => {
    if (connection.connected) call("context/add", params).catch((error) => log(`context/add: ${describe(error)}`));
  });
  // Context serves completion: with it off, snoozed or off for the document's language,
  // nothing is sent (an opened document also had the daemon read its prompt with the model).
  const wanted = (document: vscode.TextDocument) =>
    document.uri.scheme === "file" && completionEnabled() && !snooze.active && languageEnabled(document.languageId);
  connection.onState((state) => {
    // A (re)connected daemon reads the active document's prompt ahead, as on a switch.
    if (state.kind === "connected") offerVisible(feeder, vscode.window.activeTextEditor, "opened", wanted);
  });
  context.subscriptions.push(
    // Bound to the copy keys (codesaga.context.copies): the editor's own copy runs first, so
    // copying works whatever happens to the context after it.
    vscode.commands.registerCommand("codesaga.copy", () => copyAndOffer(feeder, wanted)),
    vscode.window.onDidChangeActiveTextEditor((editor) => offerVisible(feeder, editor, "opened", wanted)),
    vscode.workspace.onDidSaveTextDocument((document) => {
      const editor = vscode.window.visibleTextEditors.find((e) => e.document === document);
      offerVisible(feeder, editor, "saved", wanted);
    }),
    vscode.workspace.onDidChangeTextDocument((event) => offerEdited(feeder, event, wanted)),
    vscode.workspace.onDidCloseTextDocument((document) => feeder.forget(document.uri.fsPath)),
  );
}

/** The chunk around the cursor's line when it is in view, else around the middle of the view:
 * the daemon keeps it as context and, for "opened", reads the document's prompt up to it. */
type Wanted = (document: vscode.TextDocument) => boolean;

function offerVisible(
  feeder: ContextFeeder,
  editor: vscode.TextEditor | undefined,
  origin: Extract<Origin, "opened" | "saved">,
  wanted: Wanted,
): void {
  if (!editor || !wanted(editor.document)) return;
  const range = editor.visibleRanges[0];
  const cursor = editor.selection.active.line;
  const cursorVisible = !range || (range.start.line <= cursor && cursor <= range.end.line);
  const line = cursorVisible ? cursor : Math.floor((range.start.line + range.end.line) / 2);
  feeder.offer({
    path: editor.document.uri.fsPath,
    workspace: workspaceOf(editor.document.uri),
    text: editor.document.getText(),
    line: line + 1,
    origin,
  });
}

function offerEdited(feeder: ContextFeeder, event: vscode.TextDocumentChangeEvent, wanted: Wanted): void {
  const change = event.contentChanges[0];
  if (!change || !wanted(event.document)) return;
  feeder.edited(event.document.uri.fsPath, change.range.start.line + 1, () => ({
    path: event.document.uri.fsPath,
    workspace: workspaceOf(event.document.uri),
    text: event.document.getText(),
  }));
}

async function copyAndOffer(feeder: ContextFeeder, wanted: Wanted): Promise<void> {
  await vscode.commands.executeCommand("editor.action.clipboardCopyAction");
  const editor = vscode.window.activeTextEditor;
  if (!editor || !wanted(editor.document)) return;
  const text = editor.selections.map((selection) => editor.document.getText(selection)).join("\n");
  feeder.copied({ path: editor.document.uri.fsPath, workspace: workspaceOf(editor.document.uri), text });
}
