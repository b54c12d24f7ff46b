// VS Code / Cursor glue: everything here adapts the editor's API to the plain modules
// (protocol, connection, completion, chat), which hold the logic and are tested under node.

import { randomBytes } from "node:crypto";
import * as vscode from "vscode";

import { ChatController, type FromWebview, type ToWebview } from "./chat";
import { connectAtStartup, registerCommands } from "./commands";
import { registerCompletion } from "./completionProvider";
import { registerContextFeed } from "./contextFeed";
import { registerRewrites } from "./rewriteCommands";
import { createServices } from "./services";
import { roleModel } from "./settings";
import { registerStatusBar } from "./statusBar";

export function activate(context: vscode.ExtensionContext): void {
  const services = createServices(context);
  const { call } = services;
  registerStatusBar(services);
  registerCompletion(services);
  registerContextFeed(services);
  registerCommands(services);

  registerRewrites(services);

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
