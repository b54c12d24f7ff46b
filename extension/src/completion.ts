// Inline completion logic: debounce, cancellation, the last suggestion, feedback, context
// clipping. No vscode import: completionProvider.ts adapts VS Code's provider to this, and the
// tests drive it under node against a real daemon.

import type { CompleteParams, Method, Methods } from "./params";
import type { CallOptions } from "./protocol";
import { RpcError } from "./protocol";
import { unitsOf } from "./textPositions";

/** What the daemon's `complete` answers (docs/protocol.md). */
export interface CompleteResult {
  request_id: string;
  text: string;
  source: "cache" | "type-through" | "in-flight" | "model";
  partial: boolean;
  model: string;
  /** The confidence gate hid the suggestion (text is empty): nothing to show or rate. */
  gated?: boolean;
  /** How sure the model was of the suggestion's first line (local models only). */
  confidence?: number;
  /** Characters after the cursor the text replaces (an auto-closed bracket it goes past). */
  replace?: number;
}

export interface Suggestion {
  text: string;
  /** UTF-16 units after the cursor that `text` replaces, on the cursor's line. */
  replace: number;
  /** The daemon's request id, for `feedback`; the same for a type-through of it. */
  requestId: string;
  source: CompleteResult["source"] | "client";
  latencyMs: number;
}

export interface CursorContext {
  /** Names the document: latest wins per document in the daemon. */
  document: string;
  /** Absolute file path, when the document is a file. */
  path?: string;
  languageId: string;
  before: string;
  after: string;
  workspace?: string;
}

/** VS Code's CancellationToken, structurally. */
export interface Cancellation {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export interface CompletionSettings {
  debounceMinMs: number;
  debounceMaxMs: number;
  maxLines: number;
  contextChars: number;
  model?: string;
}

/** A call to the daemon, its params checked against the types generated from the daemon's
 * own (params.ts). */
export type Call = <M extends Method>(method: M, params: Methods[M], options?: CallOptions) => Promise<unknown>;

/** Keep the text around the cursor within ``limit`` characters: three quarters before it, the
 * rest after, cut at line boundaries so the model never sees half a line at the edges. */
export function clipContext(before: string, after: string, limit: number): { before: string; after: string } {
  const afterLimit = Math.floor(limit / 4);
  const beforeLimit = limit - Math.min(after.length, afterLimit);
  let clippedBefore = before;
  if (before.length > beforeLimit) {
    clippedBefore = before.slice(before.length - beforeLimit);
    const newline = clippedBefore.indexOf("\n");
    if (newline >= 0) clippedBefore = clippedBefore.slice(newline + 1);
  }
  let clippedAfter = after;
  if (after.length > limit - clippedBefore.length) {
    clippedAfter = after.slice(0, Math.max(0, limit - clippedBefore.length));
    const newline = clippedAfter.lastIndexOf("\n");
    if (newline >= 0) clippedAfter = clippedAfter.slice(0, newline + 1);
  }
  // A cut inside a line can split a character outside the Basic Multilingual Plane (an
  // emoji) in two: half of one is no text (the daemon refuses it), so it goes.
  return { before: clippedBefore.replace(/^[\uDC00-\uDFFF]/, ""), after: clippedAfter.replace(/[\uD800-\uDBFF]$/, "") };
}

/** Waits between a keystroke and the request: longer while the programmer types faster than
 * the daemon answers (those requests would be replaced anyway), short when they pause. */
export class AdaptiveDebounce {
  private lastKeystroke: number | undefined;
  private interval: number | undefined; // moving average between keystrokes, ms
  private latency: number | undefined; // moving average of model answers, ms

  constructor(private readonly now: () => number = Date.now) {}

  keystroke(): void {
    const t = this.now();
    if (this.lastKeystroke !== undefined) {
      const gap = t - this.lastKeystroke;
      // A gap over 2 s is a pause, not a typing speed.
      if (gap < 2000) this.interval = this.interval === undefined ? gap : 0.7 * this.interval + 0.3 * gap;
    }
    this.lastKeystroke = t;
  }

  answered(latencyMs: number): void {
    this.latency = this.latency === undefined ? latencyMs : 0.7 * this.latency + 0.3 * latencyMs;
  }

  delay(minMs: number, maxMs: number): number {
    if (this.interval === undefined || this.latency === undefined || this.latency <= this.interval) {
      return minMs; // answers come before the next keystroke: ask at once
    }
    // Typing faster than answers come: wait a little longer than the typing rhythm, so the
    // request goes out when the programmer pauses.
    return Math.max(minMs, Math.min(maxMs, Math.round(this.interval * 1.25)));
  }
}

interface Shown {
  document: string;
  before: string;
  after: string;
  text: string;
  replace: number;
  requestId: string;
  reported: boolean;
}

function sleep(ms: number, cancel: Cancellation): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(!cancel.isCancellationRequested);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      listener.dispose();
      resolve(!cancel.isCancellationRequested);
    }, ms);
    const listener = cancel.onCancellationRequested(() => {
      clearTimeout(timer);
      listener.dispose();
      resolve(false);
    });
  });
}

/**
 * One per window. `suggest` is called on every keystroke the editor asks about:
 * 1. typing the start of the suggestion on screen returns the rest at once (no request);
 * 2. otherwise wait the adaptive debounce, then ask the daemon; the editor's cancellation
 *    sends `$/cancel` (the daemon keeps the generation for the next keystroke to reuse);
 * 3. each suggestion shown gets one `feedback`: accepted (`accepted()`), or rejected once a
 *    different suggestion replaces it.
 */
export class CompletionEngine {
  readonly debounce: AdaptiveDebounce;
  private shown: Shown | undefined;
  lastLatencyMs: number | undefined;
  /** Why the last completion failed, until one succeeds (the status bar shows it). */
  lastError: string | undefined;
  stats = { requests: 0, local: 0, cancelled: 0, errors: 0 };

  constructor(
    private readonly call: Call,
    private readonly settings: () => CompletionSettings,
    private readonly onError: (error: Error) => void = () => undefined,
    now: () => number = Date.now,
  ) {
    this.debounce = new AdaptiveDebounce(now);
  }

  async suggest(cursor: CursorContext, cancel: Cancellation): Promise<Suggestion | undefined> {
    this.debounce.keystroke();
    const settings = this.settings();
    const { before, after } = clipContext(cursor.before, cursor.after, settings.contextChars);
    const local = this.typeThrough(cursor.document, before, after);
    if (local !== undefined) {
      this.stats.local++;
      return local;
    }
    if (!(await sleep(this.debounce.delay(settings.debounceMinMs, settings.debounceMaxMs), cancel))) {
      this.stats.cancelled++;
      return undefined;
    }
    const abort = new AbortController();
    const listener = cancel.onCancellationRequested(() => abort.abort());
    const started = Date.now();
    this.stats.requests++;
    try {
      const params: CompleteParams = {
        prefix: before,
        suffix: after,
        language: cursor.languageId,
        maxLines: settings.maxLines,
        // VS Code replaces a range: a suggestion may go on past an auto-closed bracket.
        replaceRest: true,
      };
      if (cursor.path) params.path = cursor.path;
      else params.label = cursor.document;
      if (cursor.workspace) params.workspace = cursor.workspace;
      if (settings.model) params.model = settings.model;
      const result = (await this.call("complete", params, { signal: abort.signal })) as CompleteResult;
      const latencyMs = Date.now() - started;
      this.lastLatencyMs = latencyMs;
      this.lastError = undefined;
      if (result.source === "model" || result.source === "in-flight") this.debounce.answered(latencyMs);
      if (cancel.isCancellationRequested || !result.text.trim()) return undefined;
      // The daemon counts code points, VS Code's positions UTF-16 units: a line's rest with
      // an emoji in it kept a character (or half of one) after the suggestion.
      const replace = unitsOf(after, result.replace ?? 0);
      this.show({ document: cursor.document, before, after, text: result.text, replace, requestId: result.request_id, reported: false });
      return { text: result.text, replace, requestId: result.request_id, source: result.source, latencyMs };
    } catch (error) {
      // A daemon stopping (its idle exit) refused it untouched: the next keystroke asks the
      // new one, as after a cancel.
      if (error instanceof RpcError && (error.cancelled || error.notTaken)) {
        this.stats.cancelled++;
        return undefined;
      }
      this.stats.errors++;
      this.lastError = error instanceof Error ? error.message : String(error);
      this.onError(error as Error);
      return undefined;
    } finally {
      listener.dispose();
    }
  }

  /** Forget the last completion's latency and failure: they were another daemon's (a new
   * connection), or a setting changed since (the model the failure named, say). */
  forgetOutcome(latency = true): void {
    this.lastError = undefined;
    if (latency) this.lastLatencyMs = undefined;
  }

  /** The editor accepted the suggestion with this request id (its accept command ran). */
  accepted(requestId: string): void {
    if (this.shown?.requestId === requestId && !this.shown.reported) {
      this.shown.reported = true;
      this.report(requestId, true);
    }
  }

  /** The suggestion on screen, if any, was dismissed (Escape, cursor moved away). */
  dismissed(): void {
    this.show(undefined);
  }

  private typeThrough(document: string, before: string, after: string): Suggestion | undefined {
    const shown = this.shown;
    if (!shown || shown.document !== document || after !== shown.after) return undefined;
    if (!before.startsWith(shown.before)) return undefined;
    const typed = before.slice(shown.before.length);
    if (!typed || !shown.text.startsWith(typed)) return undefined;
    const rest = shown.text.slice(typed.length);
    if (!rest.trim()) {
      // Typed to the end by hand: the suggestion was right.
      this.accepted(shown.requestId);
      return undefined;
    }
    return { text: rest, replace: shown.replace, requestId: shown.requestId, source: "client", latencyMs: 0 };
  }

  private show(next: Shown | undefined): void {
    const previous = this.shown;
    if (previous && !previous.reported && previous.requestId !== next?.requestId) {
      previous.reported = true;
      this.report(previous.requestId, false);
    }
    this.shown = next;
  }

  private report(requestId: string, accepted: boolean): void {
    this.call("feedback", { request_id: requestId, accepted }).catch(() => undefined);
  }
}
