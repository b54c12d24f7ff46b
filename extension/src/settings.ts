// The editor's CodeSaga settings (package.json's contributes.configuration), read where they
// are used, so a change applies to the next keystroke or command without a reload; and the
// workspace folder a file belongs to.

import * as vscode from "vscode";

import type { CompletionSettings } from "./completion";

export function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration("codesaga");
}

/** The `codesaga` command (codesaga.daemonCommand). */
export function daemonCommand(): string {
  return config().get<string>("daemonCommand") || "codesaga";
}

/** The model set for a role (completion, refactor, fix, chat); undefined: the daemon's. */
export function roleModel(role: string): string | undefined {
  return config().get<string>(`models.${role}`)?.trim() || undefined;
}

export function completionSettings(): CompletionSettings {
  const c = config();
  return {
    debounceMinMs: c.get<number>("completion.debounceMinMs", 40),
    debounceMaxMs: c.get<number>("completion.debounceMaxMs", 300),
    maxLines: c.get<number>("completion.maxLines", 8),
    contextChars: c.get<number>("completion.contextChars", 24000),
    model: roleModel("completion"),
  };
}

export function completionEnabled(): boolean {
  return config().get<boolean>("completion.enabled", true);
}

export function languageEnabled(languageId: string): boolean {
  const languages = config().get<Record<string, boolean>>("completion.languages", {});
  return languages[languageId] ?? languages["*"] ?? true;
}

/** Turns inline completion for ``languageId`` off when on, on when off; says which. */
export async function toggleLanguage(languageId: string): Promise<boolean> {
  const languages = { ...config().get<Record<string, boolean>>("completion.languages", {}) };
  languages[languageId] = !languageEnabled(languageId);
  await config().update("completion.languages", languages, vscode.ConfigurationTarget.Global);
  return languages[languageId];
}

/** The workspace folder holding ``uri``, as a path. */
export function workspaceOf(uri: vscode.Uri): string | undefined {
  return vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
}

/** Next-edit suggestions (codesaga.nextEdit.enabled). */
export function nextEditEnabled(): boolean {
  return config().get<boolean>("nextEdit.enabled", true);
}
