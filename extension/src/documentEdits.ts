// The edits the programmer makes, sent to the daemon (`document/edit`) for next-edit
// suggestions: a burst of keystrokes becomes one edit, the difference between the text last
// sent and the text now. No vscode import.

import type { DocumentEditParams, WireEdit } from "./nextEditWire";
import { characterBoundary, rangeOf } from "./textPositions";

/** Timers, injectable so the tests run them by hand. */
export interface Clock {
  /** Run ``task`` after ``ms``; the returned function cancels it. */
  after(ms: number, task: () => void): () => void;
}

export const realClock: Clock = {
  after(ms, task) {
    const timer = setTimeout(task, ms);
    return () => clearTimeout(timer);
  },
};

/** An edit bigger than this (a paste of a whole file, a reformat) is not sent: it tells the
 * daemon nothing a next edit could repeat, and it would cost a large frame. */
export const MAX_EDIT_CHARS = 100_000;

/** The one edit that turns ``before`` into ``after``: what lies between their common prefix
 * and common suffix; undefined when they are equal. The range is in ``before``. */
export function snapshotEdit(before: string, after: string): WireEdit | undefined {
  if (before === after) return undefined;
  const shorter = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < shorter && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  prefix = characterBoundary(before, prefix);
  let suffix = 0;
  while (suffix < shorter - prefix && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) {
    suffix++;
  }
  let removedEnd = before.length - suffix;
  // A suffix starting inside a surrogate pair gives the pair's second half to the change.
  if (characterBoundary(before, removedEnd) !== removedEnd) removedEnd++;
  const insertedEnd = after.length - (before.length - removedEnd);
  return {
    range: rangeOf(before, prefix, removedEnd),
    removed: before.slice(prefix, removedEnd),
    text: after.slice(prefix, insertedEnd),
  };
}

/** What the sender needs of a document when it sends: read when the burst ends. */
export interface DocumentNow {
  path: string;
  text: string;
  language?: string;
  version?: number;
}

interface Tracked {
  /** The text the daemon's history has reached: the last edit sent applied. */
  sent: string;
  /** The version last sent (as sent, after `floor`). */
  version?: number;
  read?: () => DocumentNow;
  cancelTimer?: () => void;
}

/**
 * Per document: the snapshot last sent, and a debounce. `changed` on every change starts (or
 * restarts) the wait; when it ends, or on `flush`, the snapshot is diffed with the text now
 * and the one edit goes out as `document/edit`.
 */
export class EditSender {
  private readonly documents = new Map<string, Tracked>();
  /** Per document closed, the version last sent: a document opened again counts from 1, and
   * the daemon keeps no edit whose version is not above the last (its history stayed frozen
   * at the edits from before the close, unless a completion's `opened` notice reset it). */
  private readonly floor = new Map<string, number>();

  constructor(
    private readonly send: (params: DocumentEditParams) => Promise<unknown>,
    private readonly debounceMs = 300,
    private readonly clock: Clock = realClock,
  ) {}

  /** The document's text as the programmer sees it before editing (an editor opened on it). */
  track(document: string, text: string): void {
    if (!this.documents.has(document)) this.documents.set(document, { sent: text });
  }

  /** The document changed; ``read`` gives its state when the burst ends. A document never
   * tracked starts from the text after this change (its first edit is not known). */
  changed(document: string, read: () => DocumentNow): void {
    const tracked = this.documents.get(document);
    if (!tracked) {
      this.documents.set(document, { sent: read().text });
      return;
    }
    tracked.read = read;
    tracked.cancelTimer?.();
    tracked.cancelTimer = this.clock.after(this.debounceMs, () => {
      tracked.cancelTimer = undefined;
      this.flush(document).catch(() => undefined); // the send logs its own failures
    });
  }

  /** Send the document's pending edit now (before a `nextEdit`, which must see it); resolves
   * once the daemon has it, or at once when nothing is pending. */
  async flush(document: string): Promise<void> {
    const tracked = this.documents.get(document);
    if (!tracked?.read) return;
    tracked.cancelTimer?.();
    tracked.cancelTimer = undefined;
    const now = tracked.read();
    tracked.read = undefined;
    const edit = snapshotEdit(tracked.sent, now.text);
    tracked.sent = now.text;
    if (!edit || edit.removed.length + edit.text.length > MAX_EDIT_CHARS) return;
    const params: DocumentEditParams = { path: now.path, ...edit };
    if (now.language) params.language = now.language;
    if (now.version !== undefined) {
      params.version = now.version + (this.floor.get(document) ?? 0);
      tracked.version = params.version;
    }
    await this.send(params);
  }

  /** The document was closed: its snapshot goes. */
  forget(document: string): void {
    const tracked = this.documents.get(document);
    tracked?.cancelTimer?.();
    if (tracked?.version !== undefined) this.floor.set(document, tracked.version);
    this.documents.delete(document);
  }

  /** Next edits were turned off: no snapshot survives to be diffed with a much later text. */
  forgetAll(): void {
    for (const document of [...this.documents.keys()]) this.forget(document);
  }

  get size(): number {
    return this.documents.size;
  }
}
