// VS Code / Cursor glue: everything here adapts the editor's API to the plain modules
// (protocol, connection, completion, chat), which hold the logic and are tested under node.

import { randomBytes } from "node:crypto";
import * as path from "node:path";
import * as vscode from "vscode";

import { ChatController, type FromWebview, type ToWebview } from "./chat";
import { connectAtStartup, registerCommands } from "./commands";
import { registerCompletion } from "./completionProvider";
import { registerContextFeed } from "./contextFeed";
import { Code, RpcError } from "./protocol";
import { applyQuestion, rewriteRequest, type RewriteResult } from "./rewrite";
import { createServices, describe } from "./services";
import { roleModel, workspaceOf } from "./settings";
import { registerStatusBar } from "./statusBar";

const RECENT_INSTRUCTIONS = "codesaga.recentInstructions";
const PROPOSED_SCHEME = "codesaga-proposed";

export function activate(context: vscode.ExtensionContext): void {
  const services = createServices(context);
  const { call } = services;
  registerStatusBar(services);
  registerCompletion(services);
  registerContextFeed(services);
  registerCommands(services);

  // -- refactor and fix with a diff preview --------------------------------------------------
  const proposals = new Map<string, string>();
  const proposedDocs = new vscode.EventEmitter<vscode.Uri>();
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, {
      onDidChange: proposedDocs.event,
      provideTextDocumentContent: (uri) => proposals.get(uri.toString()) ?? "",
    }),
  );

  const rewrite = async (
    method: "refactor" | "fix",
    editor: vscode.TextEditor,
    extra: { instruction?: string; error?: string; lines?: string },
  ) => {
    const document = editor.document;
    const version = document.version;
    const workspace = workspaceOf(document.uri);
    const request = rewriteRequest({
      method,
      content: document.getText(),
      path: document.uri.scheme === "file" ? document.uri.fsPath : undefined,
      label: workspace && document.uri.scheme === "file" ? path.relative(workspace, document.uri.fsPath) : path.basename(document.fileName),
      model: roleModel(method),
      ...extra,
    });
    let result: RewriteResult;
    try {
      result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `CodeSaga: ${method}`, cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          let chars = 0;
          return (await call(method, request, {
            signal: abort.signal,
            onDelta: (text) => {
              chars += text.length;
              progress.report({ message: `${chars.toLocaleString()} characters written…` });
            },
          })) as RewriteResult;
        },
      );
    } catch (error) {
      if (error instanceof RpcError && error.code === Code.cancelled) return;
      void vscode.window.showErrorMessage(`CodeSaga ${method}: ${describe(error)}`);
      return;
    }
    if (!result.diff) {
      void vscode.window.showInformationMessage(`CodeSaga ${method}: the model changed nothing.`);
      return;
    }
    const proposed = vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: document.uri.path, query: result.request_id });
    proposals.set(proposed.toString(), result.text);
    proposedDocs.fire(proposed);
    await vscode.commands.executeCommand("vscode.diff", document.uri, proposed, `${path.basename(document.fileName)} ↔ CodeSaga ${method}`);
    const question = applyQuestion(method, path.basename(document.fileName), result.warnings);
    const choice = question.warn
      ? await vscode.window.showWarningMessage(question.text, "Apply", "Discard")
      : await vscode.window.showInformationMessage(question.text, "Apply", "Discard");
    proposals.delete(proposed.toString());
    if (choice !== "Apply") return;
    if (document.version !== version) {
      void vscode.window.showWarningMessage("CodeSaga: the file changed since the request; nothing applied. Run it again.");
      return;
    }
    const edit = new vscode.WorkspaceEdit();
    const whole = new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length));
    edit.replace(document.uri, whole, result.text); // one edit: one undo step
    if (!(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showErrorMessage("CodeSaga: VS Code refused the edit; nothing changed.");
    }
  };

  const askInstruction = async (): Promise<string | undefined> => {
    const recent = context.globalState.get<string[]>(RECENT_INSTRUCTIONS, []);
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
      await context.globalState.update(RECENT_INSTRUCTIONS, [instruction, ...recent.filter((r) => r !== instruction)].slice(0, 10));
    }
    return instruction;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand("codesaga.refactorSelection", async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) return;
      const instruction = await askInstruction();
      if (instruction === undefined) return;
      const { start, end } = editor.selection;
      const last = end.character === 0 && end.line > start.line ? end.line : end.line + 1;
      await rewrite("refactor", editor, { instruction: instruction || undefined, lines: `${start.line + 1}:${last}` });
    }),
    vscode.commands.registerCommand("codesaga.refactorFile", async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) return;
      const instruction = await askInstruction();
      if (instruction === undefined) return;
      await rewrite("refactor", editor, { instruction: instruction || undefined });
    }),
    vscode.commands.registerCommand("codesaga.fix", async (uri?: vscode.Uri, message?: string, range?: vscode.Range) => {
      const editor = vscode.window.activeTextEditor;
      if (!editor || (uri && editor.document.uri.toString() !== uri.toString())) return;
      const diagnostic = message && range ? { message, range } : vscode.languages.getDiagnostics(editor.document.uri).find((d) => d.range.contains(editor.selection.active));
      if (!diagnostic) {
        void vscode.window.showInformationMessage("CodeSaga: put the cursor on a problem (a squiggle) to fix it.");
        return;
      }
      await rewrite("fix", editor, {
        error: `line ${diagnostic.range.start.line + 1}: ${diagnostic.message}`,
        lines: `${diagnostic.range.start.line + 1}:${diagnostic.range.end.line + 1}`,
      });
    }),
    vscode.languages.registerCodeActionsProvider(
      { pattern: "**" },
      {
        provideCodeActions(document, _range, actionContext) {
          return actionContext.diagnostics.slice(0, 3).map((diagnostic) => {
            const action = new vscode.CodeAction(`CodeSaga: fix "${diagnostic.message.slice(0, 60)}"`, vscode.CodeActionKind.QuickFix);
            action.diagnostics = [diagnostic];
            action.command = { title: "Fix with CodeSaga", command: "codesaga.fix", arguments: [document.uri, diagnostic.message, diagnostic.range] };
            return action;
          });
        },
      },
      { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] },
    ),
  );

  // -- chat ---------------------------------------------------------------------------------
  let chat: ChatController | undefined;
  const chatProvider: vscode.WebviewViewProvider = {
    resolveWebviewView(view) {
      const media = vscode.Uri.joinPath(context.extensionUri, "media");
      view.webview.options = { enableScripts: true, localResourceRoots: [media] };
      view.webview.html = chatHtml(view.webview, media);
      chat = new ChatController({
        call,
        post: (message: ToWebview) => void view.webview.postMessage(message),
        insertAtCursor: async (code) => {
          const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
          if (!editor) throw new Error("open an editor to insert into");
          await editor.edit((edit) => edit.replace(editor.selection, code));
        },
        copy: (code) => vscode.env.clipboard.writeText(code),
        selection: () => {
          const editor = vscode.window.activeTextEditor;
          if (!editor || editor.selection.isEmpty || editor.document.uri.scheme !== "file") return undefined;
          const { start, end } = editor.selection;
          return { path: editor.document.uri.fsPath, lines: `${start.line + 1}:${end.line + 1}` };
        },
        sessionKey: () => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
        model: () => roleModel("chat"),
      });
      view.webview.onDidReceiveMessage((message: FromWebview) => chat?.handle(message));
    },
  };
  context.subscriptions.push(
    vscode.window.registerWebviewViewProvider("codesaga.chat", chatProvider, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.commands.registerCommand("codesaga.newChat", () => chat?.handle({ type: "newSession" })),
    vscode.commands.registerCommand("codesaga.attachSelection", async () => {
      await vscode.commands.executeCommand("codesaga.chat.focus");
      await chat?.handle({ type: "attachSelection" });
    }),
  );
  connectAtStartup(services);
}

/** The chat webview's page: local script and style only, no remote content of any kind. */
function chatHtml(webview: vscode.Webview, media: vscode.Uri): string {
  const nonce = randomBytes(16).toString("hex");
  const script = webview.asWebviewUri(vscode.Uri.joinPath(media, "chat.js"));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(media, "chat.css"));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
  ].join("; ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>CodeSaga chat</title>
</head>
<body>
<header><select id="sessions" title="Conversations"></select><button id="new" title="New chat">+</button></header>
<main id="transcript" aria-live="polite"></main>
<div id="status"></div>
<footer>
<textarea id="input" rows="3" placeholder="Ask about your code (Enter sends, Shift+Enter for a new line)"></textarea>
<div class="actions"><button id="attach" title="Attach the editor's selection">Attach selection</button><button id="stop" hidden>Stop</button><button id="send">Send</button></div>
</footer>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}

export function deactivate(): void {
  // Subscriptions (the connection included) are disposed by VS Code.
}
