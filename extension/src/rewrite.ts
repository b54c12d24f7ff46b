// Refactor and fix requests from the editor: the buffer's text goes along (it may be
// unsaved), and the editor applies the answer itself. No vscode import.

export interface RewriteResult {
  request_id: string;
  text: string; // the whole new file
  diff: string; // unified diff; empty when nothing changed
  model: string;
  warnings?: string[]; // e.g. the rewrite dropped a name, or another model answered
}

export interface RewriteInput {
  method: "refactor" | "fix";
  content: string;
  path?: string;
  label: string;
  model?: string;
  instruction?: string;
  error?: string;
  lines?: string;
}

export function rewriteRequest(input: RewriteInput): Record<string, unknown> {
  const params: Record<string, unknown> = { content: input.content, label: input.label };
  if (input.path) params.path = input.path;
  if (input.model) params.model = input.model;
  if (input.lines) params.lines = input.lines;
  if (input.method === "refactor" && input.instruction) params.instruction = input.instruction;
  if (input.method === "fix") params.error = input.error ?? "";
  return params;
}

/** Bytes of a document a rewrite sends at most: the daemon's messages stop at 8 MiB, and one
 * over that closed the connection every request of the window shares (the daemon refuses a
 * file over its own limit, 1 MiB by default, with a clear error anyway). */
export const MAX_SENT_BYTES = 7 * 1024 * 1024;

/** Why ``content`` is not sent for a rewrite, or undefined. */
export function tooLargeToSend(content: string): string | undefined {
  const bytes = Buffer.byteLength(content, "utf8");
  if (bytes <= MAX_SENT_BYTES) return undefined;
  return `the file is ${(bytes / 1024 / 1024).toFixed(1)} MiB, too large to send (at most ${MAX_SENT_BYTES / 1024 / 1024} MiB)`;
}

/** The question asked before applying a rewrite, with what the daemon warned about (a
 * dropped function name is worth reading before pressing Apply). */
export function applyQuestion(method: string, fileName: string, warnings: string[] = []): { text: string; warn: boolean } {
  const question = `Apply CodeSaga's ${method} to ${fileName}?`;
  if (!warnings.length) return { text: question, warn: false };
  return { text: `${question} Note: ${warnings.join("; ")}.`, warn: true };
}

/** The 1-based lines "A:B" a selection covers (0-based positions): one that ends at the start
 * of a line (a whole-line selection by keyboard or mouse) does not take that line. */
export function selectedLines(start: { line: number }, end: { line: number; character: number }): string {
  const last = end.character === 0 && end.line > start.line ? end.line : end.line + 1;
  return `${start.line + 1}:${last}`;
}
