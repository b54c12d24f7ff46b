// What the programmer looks at and edits, pushed to the daemon's completion context
// (`context/add`). No vscode import.

import type { ContextAddParams } from "./params";
import { characterBoundary } from "./textPositions";

export type Origin = "opened" | "edited" | "saved" | "copied";

export interface ChunkOffer {
  path: string;
  workspace?: string;
  text: string;
  line: number; // 1-based: the daemon keeps the 64 lines around it
  origin: Origin;
}

/** Lines sent either side of a chunk's line: the daemon keeps 64, so send no whole files. */
const SPAN = 48;
/** Offers closer than this to one already sent (same file) within REPEAT_MS are skipped. */
const NEAR_LINES = 32;
const REPEAT_MS = 10_000;

/** Characters of a line sent: a minified bundle's or a source map's one line of megabytes went
 * whole, over the daemon's 8 MiB message limit, and the connection it shares with every
 * request of the window closed. Code worth a completion's context is far shorter. */
export const MAX_LINE_CHARS = 1000;

function capped(line: string): string {
  return line.length <= MAX_LINE_CHARS ? line : line.slice(0, characterBoundary(line, MAX_LINE_CHARS));
}

/** Only the lines around ``line`` (1-based), renumbered: big files are never sent whole. */
export function around(text: string, line: number): { text: string; line: number } {
  const lines = text.split("\n");
  const first = Math.max(0, line - 1 - SPAN);
  const last = Math.min(lines.length, line + SPAN);
  return { text: lines.slice(first, last).map(capped).join("\n"), line: line - first };
}

export class ContextFeeder {
  private readonly sent = new Map<string, { line: number; at: number }>();
  private readonly lastEdit = new Map<string, number>();

  constructor(
    private readonly send: (params: ContextAddParams) => void,
    private readonly now: () => number = Date.now,
  ) {}

  offer(chunk: ChunkOffer): boolean {
    const previous = this.sent.get(chunk.path);
    const t = this.now();
    if (previous && Math.abs(previous.line - chunk.line) < NEAR_LINES && t - previous.at < REPEAT_MS) return false;
    this.sent.set(chunk.path, { line: chunk.line, at: t });
    const part = around(chunk.text, chunk.line);
    const params: ContextAddParams = { path: chunk.path, text: part.text, line: part.line, origin: chunk.origin };
    if (chunk.workspace) params.workspace = chunk.workspace;
    this.send(params);
    return true;
  }

  /** Text the programmer copied: they picked exactly these lines, so they are sent as they
   * are (the first 2 × SPAN), not the lines around a place. */
  copied(chunk: Omit<ChunkOffer, "line" | "origin">): boolean {
    const lines = chunk.text.split("\n").slice(0, 2 * SPAN).map(capped);
    if (lines.filter((l) => l.trim()).length < 3) return false; // the daemon keeps no less
    const params: ContextAddParams = {
      path: chunk.path,
      text: lines.join("\n"),
      line: Math.ceil(lines.length / 2),
      origin: "copied",
    };
    if (chunk.workspace) params.workspace = chunk.workspace;
    this.send(params);
    return true;
  }

  /** The document was closed: what was sent of it is forgotten (the maps do not grow with
   * every file ever opened, and reopening it is offered again, as an opening). */
  forget(path: string): void {
    this.sent.delete(path);
    this.lastEdit.delete(path);
  }

  /** An edit at ``line``: when the programmer moves on to another place in the file, the
   * place they left is worth remembering (they may call what they just wrote). */
  edited(path: string, line: number, snapshot: () => Omit<ChunkOffer, "line" | "origin">): void {
    const previous = this.lastEdit.get(path);
    this.lastEdit.set(path, line);
    if (previous !== undefined && Math.abs(previous - line) >= NEAR_LINES) {
      this.offer({ ...snapshot(), line: previous, origin: "edited" });
    }
  }
}
