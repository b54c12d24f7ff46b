// The Chat view (activity bar): a webview wired to a ChatController (chat.ts), which holds
// the logic; and the New Chat and Attach Selection commands.

import { randomBytes } from "node:crypto";
import * as vscode from "vscode";

import { ChatController, type ChatHost, type FromWebview, type ToWebview } from "./chat";
import { selectedLines } from "./rewrite";
import type { Services } from "./services";
import { roleModel } from "./settings";

export function registerChatView(services: Services): void {
  const { context } = services;
  // One controller for the view's whole life: a view moved to another panel is resolved
  // again with a new page, and a controller made for each went on streaming its answer
  // into the page gone while the new one could not stop it.
  let webview: vscode.Webview | undefined;
  const post = (message: ToWebview) => {
    try {
      void webview?.postMessage(message);
    } catch {
      // The view was closed (its page disposed): shown again, it is drawn anew.
    }
  };
  const chat = new ChatController(chatHost(services, post));
  const provider: vscode.WebviewViewProvider = {
    resolveWebviewView(view) {
      const media = vscode.Uri.joinPath(context.extensionUri, "media");
      view.webview.options = { enableScripts: true, localResourceRoots: [media] };
      view.webview.html = chatHtml(view.webview, media);
      webview = view.webview;
      // Only the page shown speaks for the view (an old one's last messages are not acted on).
      view.webview.onDidReceiveMessage((message: FromWebview) => (webview === view.webview ? chat.handle(message) : undefined));
    },
  };
  // Shown while no daemon ran (it failed to start, or was starting): the conversations
  // come once one is connected, not only after a message sent blind.
  services.connection.onState((state) => {
    if (state.kind === "connected" && webview && !chat.opened && !chat.busy) void chat.handle({ type: "ready" });
  });
  context.subscriptions.push(
    vscode.window.registerWebviewViewProvider("codesaga.chat", provider, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.commands.registerCommand("codesaga.newChat", async () => {
      // The view first: never opened, there was no chat to start one in, and nothing said so.
      await vscode.commands.executeCommand("codesaga.chat.focus");
      await chat.handle({ type: "newSession" });
    }),
    vscode.commands.registerCommand("codesaga.attachSelection", async () => {
      await vscode.commands.executeCommand("codesaga.chat.focus");
      await chat.handle({ type: "attachSelection" });
    }),
  );
}

/** What the chat controller needs from the editor. */
function chatHost({ call }: Services, post: (message: ToWebview) => void): ChatHost {
  return {
    call,
    post,
    insertAtCursor: async (code) => {
      const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
      if (!editor) throw new Error("open an editor to insert into");
      // A read-only one (a diff's proposed side) refuses the edit: said, not silent.
      if (!(await editor.edit((edit) => edit.replace(editor.selection, code)))) {
        throw new Error(`${editor.document.fileName} cannot be edited here; click into a file's editor first`);
      }
    },
    copy: (code) => vscode.env.clipboard.writeText(code),
    selection: () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor || editor.selection.isEmpty || editor.document.uri.scheme !== "file") return undefined;
      const { start, end } = editor.selection;
      return {
        path: editor.document.uri.fsPath,
        lines: selectedLines(start, end),
        unsaved: editor.document.isDirty,
      };
    },
    sessionKey: () => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    model: () => roleModel("chat"),
  };
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
<link rel="stylesheet" href="${style.toString()}">
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
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}
