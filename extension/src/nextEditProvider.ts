// Next-edit suggestions in the editor: each document's edits go to the daemon (EditSender,
// documentEdits.ts); the controller (nextEdit.ts) asks after a typing pause; this paints its
// suggestion at its place, keeps the context key that package.json's Tab and Esc keybindings
// test (so both keep their usual meaning otherwise), and applies an accepted edit.

import * as vscode from "vscode";

import { EditSender } from "./documentEdits";
import { NextEditController, type NextEditHost, type NextEditSuggestion, previewText } from "./nextEdit";
import type { NextEditMethod } from "./nextEditWire";
import { type CallOptions, Code, RpcError } from "./protocol";
import { describe, type Services } from "./services";
import { completionEnabled, languageEnabled, nextEditEnabled, roleModel, workspaceOf } from "./settings";

/** True while a suggestion is shown in the active editor (the keybindings' `when`). */
const VISIBLE_KEY = "codesaga.nextEditVisible";

type Send = (method: NextEditMethod, params: object, options?: CallOptions) => Promise<unknown>;

export function registerNextEdit(services: Services): void {
  const { context, connection, log } = services;
  const send: Send = (method, params, options) => {
    // Never starts or waits for a daemon: without one there is nothing to suggest.
    const client = connection.connected;
    if (!client) return Promise.reject(new RpcError(Code.disconnected, "the CodeSaga daemon is not connected"));
    return client.call(method, params, options);
  };
  const supports = (method: string) => connection.connected?.server?.capabilities.methods.includes(method) ?? false;
  const sender = new EditSender(async (params) => {
    if (supports("document/edit")) await send("document/edit", params).catch((error) => log(`document/edit: ${describe(error)}`));
  });
  const painter = new SuggestionPainter();
  // Next edits follow completion's switches too: snoozed or turned off (for all or for a
  // language, Markdown and plain text by default), it still suggested, and took Tab.
  const wanted = () => nextEditEnabled() && completionEnabled();
  const host: NextEditHost = {
    call: send,
    supports,
    enabled: () => wanted() && !services.snooze.active,
    read: (document) => readActive(document),
    readOther: async (path) => {
      try {
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
        return { document: doc.uri.toString(), content: doc.getText(), version: doc.version };
      } catch {
        return undefined; // gone, or not text
      }
    },
    inlineShowing: (document) => {
      const editor = activeEditorOf(document);
      return !!editor && services.inline.showing(document, editor.document.version, editor.document.offsetAt(editor.selection.active));
    },
    flush: (document) => sender.flush(document),
    show: (suggestion) => {
      // in its document's editor, or as a hint in the editor of the document asked about
      const editor = suggestion && (activeEditorOf(suggestion.document) ?? activeEditorOf(suggestion.origin));
      painter.paint(editor, suggestion);
      void vscode.commands.executeCommand("setContext", VISIBLE_KEY, suggestion !== undefined);
    },
    onError: (error) => log(`nextEdit: ${describe(error)}`),
    onWarning: (warning) => log(`nextEdit: ${warning}`),
  };
  const controller = new NextEditController(host);
  const track = (editors: readonly vscode.TextEditor[]) => {
    if (!wanted()) return;
    for (const editor of editors) if (eligible(editor.document)) sender.track(editor.document.uri.toString(), editor.document.getText());
  };
  track(vscode.window.visibleTextEditors);
  context.subscriptions.push(
    vscode.commands.registerCommand("codesaga.nextEdit.tab", () => tab(controller, painter)),
    vscode.commands.registerCommand("codesaga.nextEdit.dismiss", () => dismiss(controller)),
    vscode.workspace.onDidChangeTextDocument((event) => {
      if (!event.contentChanges.length || !eligible(event.document) || !wanted()) return;
      const document = event.document;
      const key = document.uri.toString();
      sender.changed(key, () => ({ path: document.uri.fsPath, text: document.getText(), language: document.languageId, version: document.version }));
      controller.changed(key);
    }),
    vscode.window.onDidChangeVisibleTextEditors(track),
    vscode.window.onDidChangeActiveTextEditor((editor) => {
      // Tab's jump to a suggestion in another file switches editors: paint it there
      const shown = controller.suggestion;
      if (shown && editor?.document.uri.toString() === shown.document) painter.paint(editor, shown);
      else controller.withdraw();
    }),
    vscode.window.onDidChangeTextEditorSelection((event) => {
      const editor = event.textEditor;
      if (editor === vscode.window.activeTextEditor) controller.moved(editor.document.uri.toString(), editor.selection.active.line + 1);
      painter.paintHint(editor);
    }),
    vscode.workspace.onDidCloseTextDocument((document) => {
      sender.forget(document.uri.toString());
      controller.forget(document.uri.toString());
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration("codesaga.nextEdit.enabled") && !event.affectsConfiguration("codesaga.completion")) return;
      const shown = controller.suggestion;
      if (!wanted() || (shown && !eligible(vscode.window.activeTextEditor?.document))) controller.withdraw();
      if (!wanted()) sender.forgetAll();
      else track(vscode.window.visibleTextEditors);
    }),
    { dispose: () => controller.dispose() },
    painter,
  );
}

/** Files only (the daemon's history is kept by path), in languages with completion on. */
function eligible(document: vscode.TextDocument | undefined): document is vscode.TextDocument {
  return document?.uri.scheme === "file" && languageEnabled(document.languageId);
}

function activeEditorOf(document: string): vscode.TextEditor | undefined {
  const editor = vscode.window.activeTextEditor;
  return editor && editor.document.uri.toString() === document ? editor : undefined;
}

function readActive(document: string) {
  const editor = activeEditorOf(document);
  if (!editor) return undefined;
  const doc = editor.document;
  return {
    path: doc.uri.fsPath,
    content: doc.getText(),
    version: doc.version,
    cursor: doc.offsetAt(editor.selection.active),
    language: doc.languageId,
    workspace: workspaceOf(doc.uri),
    model: roleModel("completion"),
  };
}

/** Esc: dismiss the suggestion; with none (a stale context key), only the key is put right
 * (it stayed set, and Esc stayed taken). */
function dismiss(controller: NextEditController): void {
  if (controller.suggestion) controller.dismiss();
  else void vscode.commands.executeCommand("setContext", VISIBLE_KEY, false);
}

/** Tab: jump to the suggestion, or accept it when the cursor is there; with none (a stale
 * context key), Tab does what it always does. */
async function tab(controller: NextEditController, painter: SuggestionPainter): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const shown = controller.suggestion;
  if (!editor || !shown) {
    await vscode.commands.executeCommand("tab");
    return;
  }
  const document = editor.document;
  const key = document.uri.toString();
  const stale = key === shown.document && document.version !== shown.version;
  if (stale || (key !== shown.document && key !== shown.origin)) {
    controller.withdraw(); // made for another text: never applied
    return;
  }
  const action = controller.tab(key, document.offsetAt(editor.selection.active));
  if (action.kind === "jump") {
    const target = action.document === key ? editor : await vscode.window.showTextDocument(vscode.Uri.file(action.path));
    if (target.document.version !== shown.version) {
      controller.withdraw(); // that file changed since it was read
      return;
    }
    const at = target.document.positionAt(action.offset);
    target.selection = new vscode.Selection(at, at);
    target.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    painter.paint(target, shown);
  } else if (action.kind === "accept") {
    const { start, end, text } = action.suggestion;
    const range = new vscode.Range(document.positionAt(start), document.positionAt(end));
    const done = await editor.edit((builder) => builder.replace(range, text)).then(
      (made) => made,
      () => false, // the editor was closed meanwhile
    );
    controller.applied(done);
    if (done) {
      const after = document.positionAt(start + text.length);
      editor.selection = new vscode.Selection(after, after);
    } else {
      void vscode.window.showWarningMessage("CodeSaga: the editor did not make the next edit (the file changed meanwhile, or is read-only); nothing was applied.");
    }
  }
}

/** The suggestion at its place (the range struck out, the new text after it) and, at the end
 * of the cursor's line, what Tab will do. */
class SuggestionPainter {
  private readonly removed = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor("diffEditor.removedTextBackground"),
    textDecoration: "line-through",
  });
  private readonly inserted = vscode.window.createTextEditorDecorationType({
    after: {
      color: new vscode.ThemeColor("editorGhostText.foreground"),
      backgroundColor: new vscode.ThemeColor("diffEditor.insertedTextBackground"),
    },
  });
  private readonly hint = vscode.window.createTextEditorDecorationType({
    after: { color: new vscode.ThemeColor("editorCodeLens.foreground"), margin: "0 0 0 2em" },
  });
  private editor: vscode.TextEditor | undefined;
  private suggestion: NextEditSuggestion | undefined;

  paint(editor: vscode.TextEditor | undefined, suggestion: NextEditSuggestion | undefined): void {
    if (this.editor && this.editor !== editor) this.clear(this.editor);
    this.editor = editor;
    this.suggestion = suggestion;
    if (!editor) return;
    if (!suggestion || editor.document.uri.toString() !== suggestion.document) {
      this.clear(editor); // none, or in another file: only the hint (below) says where
      if (suggestion) this.paintHint(editor);
      return;
    }
    const document = editor.document;
    const range = new vscode.Range(document.positionAt(suggestion.start), document.positionAt(suggestion.end));
    const hoverMessage = new vscode.MarkdownString("CodeSaga next edit: **Tab** to accept, **Esc** to dismiss").appendCodeblock(
      suggestion.text,
      document.languageId,
    );
    editor.setDecorations(this.removed, suggestion.removed ? [{ range, hoverMessage }] : []);
    const inserted = { range: new vscode.Range(range.end, range.end), hoverMessage, renderOptions: { after: { contentText: previewText(suggestion.text) } } };
    editor.setDecorations(this.inserted, suggestion.text ? [inserted] : []);
    this.paintHint(editor);
  }

  /** What Tab does from where the cursor is now. */
  paintHint(editor: vscode.TextEditor): void {
    const suggestion = this.suggestion;
    if (editor !== this.editor || !suggestion) return;
    const cursor = editor.selection.active;
    const offset = editor.document.offsetAt(cursor);
    const here = editor.document.uri.toString() === suggestion.document;
    const there = here && suggestion.start <= offset && offset <= suggestion.end;
    const file = suggestion.path.split(/[\\/]/).pop();
    const where = here ? `line ${suggestion.line}` : `${file}, line ${suggestion.line}`;
    const contentText = there ? "Tab: accept · Esc: dismiss" : `Tab: next edit (${where})`;
    const at = editor.document.lineAt(cursor.line).range.end;
    editor.setDecorations(this.hint, [{ range: new vscode.Range(at, at), renderOptions: { after: { contentText } } }]);
  }

  dispose(): void {
    this.removed.dispose();
    this.inserted.dispose();
    this.hint.dispose();
  }

  private clear(editor: vscode.TextEditor): void {
    for (const type of [this.removed, this.inserted, this.hint]) editor.setDecorations(type, []);
  }
}
