// Refactor and fix requests from the editor: the buffer's text goes along (it may be
// unsaved), and the editor applies the answer itself. No vscode import.

export interface RewriteResult {
  request_id: string;
  text: string; // the whole new file
  diff: string; // unified diff; empty when nothing changed
  model: string;
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
