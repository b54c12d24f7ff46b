// VS Code / Cursor entry point: one registration call per concern. The glue modules
// (statusBar, completionProvider, nextEditProvider, contextFeed, commands, rewriteCommands,
// chatView) adapt the editor's API to the plain modules (protocol, connection, completion,
// nextEdit, documentEdits, context, rewrite, chat), which hold the logic and are tested under
// node.

import type * as vscode from "vscode";

import { registerChatView } from "./chatView";
import { connectAtStartup, registerCommands } from "./commands";
import { registerCompletion } from "./completionProvider";
import { registerContextFeed } from "./contextFeed";
import { registerNextEdit } from "./nextEditProvider";
import { registerRewrites } from "./rewriteCommands";
import { createServices } from "./services";
import { registerStatusBar } from "./statusBar";

export function activate(context: vscode.ExtensionContext): void {
  const services = createServices(context);
  registerStatusBar(services);
  registerCompletion(services);
  registerNextEdit(services);
  registerContextFeed(services);
  registerCommands(services);
  registerRewrites(services);
  registerChatView(services);
  connectAtStartup(services);
}

export function deactivate(): void {
  // Subscriptions (the connection included) are disposed by VS Code.
}
