// Refactor and fix with a diff preview: the commands, the light bulb's fix action, and the
// proposed text shown in VS Code's diff view and applied on Apply as one edit. The requests
// themselves are built by rewrite.ts.

import * as path from "node:path";
import * as vscode from "vscode";

import { Code, RpcError } from "./protocol";
import { applyQuestion, rewriteRequest, selectedLines, tooLargeToSend, type RewriteResult } from "./rewrite";
import { describe, type Services } from "./services";
import { roleModel, workspaceOf } from "./settings";

const RECENT_INSTRUCTIONS = "codesaga.recentInstructions";
const PROPOSED_SCHEME = "codesaga-proposed";

type Method = "refactor" | "fix";
type Extra = { instruction?: string; error?: string; lines?: string };
type Rewrite = (method: Method, editor: vscode.TextEditor, extra: Extra) => Promise<void>;

export function registerRewrites(services: Services): void {
  const { context } = services;
  const proposals = new Proposals();
  const rewrite: Rewrite = (method, editor, extra) => rewriteWithPreview(services, proposals, method, editor, extra);
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, proposals),
    vscode.commands.registerCommand("codesaga.refactorSelection", () => refactor(rewrite, context.globalState, "selection")),
    vscode.commands.registerCommand("codesaga.refactorFile", () => refactor(rewrite, context.globalState, "file")),
    vscode.commands.registerCommand("codesaga.fix", (uri?: vscode.Uri, message?: string, range?: vscode.Range) =>
      fix(rewrite, uri, message, range),
    ),
    vscode.languages.registerCodeActionsProvider({ pattern: "**" }, fixActions, {
      providedCodeActionKinds: [vscode.CodeActionKind.QuickFix],
    }),
  );
}

/** The proposed texts the diff view shows on its right, by their codesaga-proposed URI. */
class Proposals implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? "";
  }

  set(uri: vscode.Uri, text: string): void {
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
  }

  delete(uri: vscode.Uri): void {
    this.texts.delete(uri.toString());
  }
}

/** The selected lines (a selection ending at the start of a line leaves that line out) or
 * the whole file, refactored as the programmer asks. */
async function refactor(rewrite: Rewrite, memento: vscode.Memento, part: "selection" | "file"): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage("CodeSaga: open the file to refactor first.");
    return;
  }
  if (part === "selection" && editor.selection.isEmpty) {
    // From the palette with nothing selected it refactored the cursor's line alone.
    void vscode.window.showInformationMessage("CodeSaga: select the lines to refactor (or refactor the file).");
    return;
  }
  const instruction = await askInstruction(memento);
  if (instruction === undefined) return;
  if (part === "file") {
    await rewrite("refactor", editor, { instruction: instruction || undefined });
    return;
  }
  const { start, end } = editor.selection;
  await rewrite("refactor", editor, { instruction: instruction || undefined, lines: selectedLines(start, end) });
}

/** A problem's fix: the one the light bulb passed, else the one under the cursor. From the
 * Problems view the problem's file may not be the active one: it is shown first (the fix
 * did nothing there before). */
async function fix(rewrite: Rewrite, uri?: vscode.Uri, message?: string, range?: vscode.Range): Promise<void> {
  let editor = vscode.window.activeTextEditor;
  if (uri && editor?.document.uri.toString() !== uri.toString()) {
    editor = await vscode.window.showTextDocument(uri, { preview: false });
  }
  if (!editor) {
    void vscode.window.showInformationMessage("CodeSaga: open the file with the problem to fix first.");
    return;
  }
  const diagnostic = message && range ? { message, range } : vscode.languages.getDiagnostics(editor.document.uri).find((d) => d.range.contains(editor.selection.active));
  if (!diagnostic) {
    void vscode.window.showInformationMessage("CodeSaga: put the cursor on a problem (a squiggle) to fix it.");
    return;
  }
  await rewrite("fix", editor, {
    error: `line ${diagnostic.range.start.line + 1}: ${diagnostic.message}`,
    lines: `${diagnostic.range.start.line + 1}:${diagnostic.range.end.line + 1}`,
  });
}

const fixActions: vscode.CodeActionProvider = {
  provideCodeActions(document, _range, actionContext) {
    return actionContext.diagnostics.slice(0, 3).map((diagnostic) => {
      const action = new vscode.CodeAction(`CodeSaga: fix "${diagnostic.message.slice(0, 60)}"`, vscode.CodeActionKind.QuickFix);
      action.diagnostics = [diagnostic];
      action.command = { title: "Fix with CodeSaga", command: "codesaga.fix", arguments: [document.uri, diagnostic.message, diagnostic.range] };
      return action;
    });
  },
};

/** How to refactor: typed, or one of the last ten instructions; empty means "tidy it up",
 * undefined that the programmer dismissed the question. */
async function askInstruction(memento: vscode.Memento): Promise<string | undefined> {
  const recent = memento.get<string[]>(RECENT_INSTRUCTIONS, []);
  const pick = vscode.window.createQuickPick();
  pick.title = "How should CodeSaga refactor it? (empty: tidy it up)";
  pick.placeholder = "e.g. add type hints; extract a function; use pathlib";
  pick.items = recent.map((label) => ({ label }));
  const answer = await new Promise<string | undefined>((resolve) => {
    pick.onDidAccept(() => resolve(pick.selectedItems[0]?.label ?? pick.value));
    pick.onDidHide(() => resolve(undefined));
    pick.show();
  });
  pick.dispose();
  if (answer === undefined) return undefined;
  const instruction = answer.trim();
  if (instruction) {
    await memento.update(RECENT_INSTRUCTIONS, [instruction, ...recent.filter((r) => r !== instruction)].slice(0, 10));
  }
  return instruction;
}

/** Ask the daemon, show its answer in the diff view, and apply it if the programmer says so. */
async function rewriteWithPreview(
  services: Services,
  proposals: Proposals,
  method: Method,
  editor: vscode.TextEditor,
  extra: Extra,
): Promise<void> {
  const document = editor.document;
  const version = document.version;
  const result = await requestRewrite(services, method, document, extra);
  if (!result) return;
  if (!result.diff) {
    void vscode.window.showInformationMessage(`CodeSaga ${method}: the model changed nothing.`);
    return;
  }
  const proposed = vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: document.uri.path, query: result.request_id });
  proposals.set(proposed, result.text);
  await vscode.commands.executeCommand("vscode.diff", document.uri, proposed, `${path.basename(document.fileName)} ↔ CodeSaga ${method}`);
  const question = applyQuestion(method, path.basename(document.fileName), result.warnings);
  const choice = question.warn
    ? await vscode.window.showWarningMessage(question.text, "Apply", "Discard")
    : await vscode.window.showInformationMessage(question.text, "Apply", "Discard");
  proposals.delete(proposed);
  try {
    if (choice !== "Apply") return;
    if (document.isClosed) {
      // Applied now, the edit would open the file from disk and put over it a text made from
      // what the closed editor held (its unsaved changes, maybe discarded on purpose).
      void vscode.window.showWarningMessage("CodeSaga: the file was closed meanwhile; nothing applied. Run it again.");
      return;
    }
    if (document.version !== version) {
      void vscode.window.showWarningMessage("CodeSaga: the file changed since the request; nothing applied. Run it again.");
      return;
    }
    await replaceAll(document, result.text);
  } finally {
    // The proposal answered, its diff goes too (left open, it looked like a change still to
    // decide on); after the edit, not before: closing the diff may close the document it
    // shows, and the edit was then refused as "closed meanwhile".
    await closeDiff(proposed);
  }
}

/** The daemon's rewrite, streamed with progress and a Cancel button; undefined when cancelled
 * or failed (the failure is shown). The editor's text is sent, saved or not. */
async function requestRewrite(
  { call }: Services,
  method: Method,
  document: vscode.TextDocument,
  extra: Extra,
): Promise<RewriteResult | undefined> {
  const tooLarge = tooLargeToSend(document.getText());
  if (tooLarge) {
    void vscode.window.showErrorMessage(`CodeSaga ${method}: ${tooLarge}`);
    return undefined;
  }
  const workspace = workspaceOf(document.uri);
  const request = rewriteRequest({
    method,
    content: document.getText(),
    path: document.uri.scheme === "file" ? document.uri.fsPath : undefined,
    label: workspace && document.uri.scheme === "file" ? path.relative(workspace, document.uri.fsPath) : path.basename(document.fileName),
    model: roleModel(method),
    ...extra,
  });
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `CodeSaga: ${method}`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        let chars = 0;
        const result = (await call(method, request, {
          signal: abort.signal,
          onDelta: (text) => {
            chars += text.length;
            progress.report({ message: `${chars.toLocaleString()} characters written…` });
          },
        })) as RewriteResult;
        // An answer already on its way when Cancel was clicked still came: the diff and the
        // Apply question then showed, after all.
        return token.isCancellationRequested ? undefined : result;
      },
    );
  } catch (error) {
    if (error instanceof RpcError && error.code === Code.cancelled) return undefined;
    void vscode.window.showErrorMessage(`CodeSaga ${method}: ${describe(error)}`);
    return undefined;
  }
}

/** Close the diff tabs that show ``proposed``. */
async function closeDiff(proposed: vscode.Uri): Promise<void> {
  const shown = vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter((tab) => tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.toString() === proposed.toString());
  if (shown.length) await vscode.window.tabGroups.close(shown);
}

/** The whole document replaced in one edit: one undo step. */
async function replaceAll(document: vscode.TextDocument, text: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  const whole = new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length));
  edit.replace(document.uri, whole, text);
  if (!(await vscode.workspace.applyEdit(edit))) {
    void vscode.window.showErrorMessage("CodeSaga: VS Code refused the edit; nothing changed.");
  }
}
