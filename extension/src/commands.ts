// Daemon control and the menu behind the status bar item: start / restart / stop the daemon,
// its log, snoozing completion, completion per language; and the start-up connection, which
// offers the button that fixes a failure.

import * as vscode from "vscode";

import { runCommand } from "./connection";
import { describe, type Services } from "./services";
import { daemonCommand, toggleLanguage } from "./settings";

type FixAction = "start" | "restart" | "settings";

export function registerCommands(services: Services): void {
  const { context, connection } = services;
  context.subscriptions.push(
    vscode.commands.registerCommand("codesaga.startDaemon", () => startDaemon(services)),
    vscode.commands.registerCommand("codesaga.restartDaemon", async () => {
      await connection.stop();
      await startDaemon(services);
    }),
    vscode.commands.registerCommand("codesaga.stopDaemon", () => connection.stop()),
    vscode.commands.registerCommand("codesaga.showLog", () => showLog(services)),
    vscode.commands.registerCommand("codesaga.snooze", () => snoozeCompletion(services)),
    vscode.commands.registerCommand("codesaga.toggleLanguage", toggleActiveLanguage),
    vscode.commands.registerCommand("codesaga.menu", () => showMenu(services)),
  );
}

/** Connect at startup; if that fails, say so once, with the button that fixes it. */
export function connectAtStartup(services: Services): void {
  const { connection } = services;
  connection.client().catch(() => {
    const state = connection.state;
    if (state.kind === "failed") void offerFix(services, state.reason, state.action);
  });
}

async function offerFix({ output }: Services, reason: string, action: FixAction): Promise<void> {
  const button = { start: "Start Daemon", restart: "Restart Daemon", settings: "Open Settings" }[action];
  const choice = await vscode.window.showWarningMessage(`CodeSaga: ${reason}`, button, "Show Log");
  if (choice === "Start Daemon" || choice === "Restart Daemon") {
    await vscode.commands.executeCommand(choice === "Start Daemon" ? "codesaga.startDaemon" : "codesaga.restartDaemon");
  } else if (choice === "Open Settings") {
    await vscode.commands.executeCommand("workbench.action.openSettings", "codesaga.daemonCommand");
  } else if (choice === "Show Log") {
    output.show();
  }
}

async function startDaemon(services: Services): Promise<void> {
  const { connection } = services;
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "CodeSaga: starting the daemon…" },
      () => connection.start(),
    );
  } catch (error) {
    const state = connection.state;
    void offerFix(services, describe(error), state.kind === "failed" ? state.action : "start");
  }
}

/** The extension's log, and the daemon's last lines in an editor tab. */
async function showLog({ output, log }: Services): Promise<void> {
  output.show();
  try {
    const text = await runCommand(daemonCommand(), ["daemon", "logs", "-n", "200"]);
    const doc = await vscode.workspace.openTextDocument({ content: text, language: "log" });
    await vscode.window.showTextDocument(doc, { preview: true });
  } catch (error) {
    log(`daemon log: ${describe(error)}`);
  }
}

async function snoozeCompletion({ snooze, status }: Services): Promise<void> {
  const pick = await vscode.window.showQuickPick(
    [
      { label: "5 minutes", minutes: 5 },
      { label: "15 minutes", minutes: 15 },
      { label: "1 hour", minutes: 60 },
      { label: "Resume now", minutes: 0 },
    ],
    { title: "Snooze CodeSaga's inline completion" },
  );
  if (!pick) return;
  snooze.forMinutes(pick.minutes);
  status.paint();
  // Unref'd: a repaint is no reason to keep a process alive (a test run waited it out).
  if (pick.minutes) setTimeout(() => status.paint(), pick.minutes * 60_000 + 100).unref();
}

async function toggleActiveLanguage(): Promise<void> {
  const languageId = vscode.window.activeTextEditor?.document.languageId;
  if (!languageId) return;
  const enabled = await toggleLanguage(languageId);
  void vscode.window.showInformationMessage(`CodeSaga inline completion ${enabled ? "enabled" : "disabled"} for ${languageId}`);
}

async function showMenu({ connection, snooze, status }: Services): Promise<void> {
  const running = connection.connected !== undefined;
  const snoozed = snooze.active;
  const items = [
    running ? { label: "$(debug-stop) Stop the daemon", id: "codesaga.stopDaemon" } : { label: "$(play) Start the daemon", id: "codesaga.startDaemon" },
    { label: "$(refresh) Restart the daemon", id: "codesaga.restartDaemon" },
    { label: "$(output) Show log", id: "codesaga.showLog" },
    { label: snoozed ? "$(play) Resume inline completion" : "$(debug-pause) Snooze inline completion…", id: "codesaga.snooze" },
    { label: "$(symbol-keyword) Toggle completion for this language", id: "codesaga.toggleLanguage" },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: status.title });
  if (pick?.id === "codesaga.snooze" && snoozed) {
    snooze.resume();
    status.paint();
  } else if (pick) {
    await vscode.commands.executeCommand(pick.id);
  }
}
