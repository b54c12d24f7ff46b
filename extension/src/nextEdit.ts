// Next-edit suggestions: after a typing pause, ask the daemon where the next edit goes
// (`nextEdit`); a keystroke in that document cancels the question; the suggestion shown is
// jumped to, accepted or dismissed, and reported once with `feedback`. No vscode import:
// nextEditProvider.ts adapts the editor to this, and the tests drive it under node.

import type { Clock } from "./documentEdits";
import { realClock } from "./documentEdits";
import type { NextEditMethod, NextEditParams, NextEditResult, SuggestedEdit } from "./nextEditWire";
import type { CallOptions } from "./protocol";
import { Code, RpcError } from "./protocol";
import { lineColumnAt, offsetsOf } from "./textPositions";

/** A document bigger than this is not sent whole after every pause. */
export const MAX_CONTENT_CHARS = 1_000_000;

/** A suggestion lapses when the cursor goes more lines than this from both its lines and
 * the place it was asked from. */
export const LAPSE_LINES = 5;

/** The document in the active editor at the pause, as the glue reads it. */
export interface NextEditDocument {
  path: string;
  content: string;
  version: number;
  /** The cursor, as a UTF-16 offset in ``content``. */
  cursor: number;
  language?: string;
  workspace?: string;
  /** codesaga.models.completion, sent as completion requests send it. */
  model?: string;
}

/** A suggestion on screen: the edit at UTF-16 offsets of the document at ``version``. */
export interface NextEditSuggestion {
  document: string;
  /** The document the question was about: ``document``, or the one whose rename this
   * carries into ``document`` (another open file). */
  origin: string;
  /** The file ``document`` is (its path, as the daemon names it). */
  path: string;
  version: number;
  requestId: string;
  start: number;
  end: number;
  removed: string;
  text: string;
  kind: SuggestedEdit["kind"];
  confidence: number;
  /** 1-based line of ``start`` (for a hint that names it). */
  line: number;
  /** 1-based line of ``end``. */
  endLine: number;
}

export type TabAction =
  | { kind: "none" }
  | { kind: "jump"; document: string; path: string; offset: number }
  | { kind: "accept"; suggestion: NextEditSuggestion };

/** What the controller needs of the editor and the daemon. */
export interface NextEditHost {
  call(method: NextEditMethod, params: object, options?: CallOptions): Promise<unknown>;
  /** The daemon offers ``method`` (initialize's capabilities.methods). */
  supports(method: string): boolean;
  enabled(): boolean;
  /** ``document`` when it is in the active editor; undefined: not now. */
  read(document: string): NextEditDocument | undefined;
  /** The file at ``path`` as the editor has it (loaded if need be); undefined: none. */
  readOther(path: string): Promise<OtherDocument | undefined>;
  /** An inline completion is on screen in ``document``: it has Tab, so no next edit now. */
  inlineShowing(document: string): boolean;
  /** Send ``document``'s pending `document/edit`: the daemon's history must hold it. */
  flush(document: string): Promise<void>;
  /** Paint the suggestion; undefined clears it. */
  show(suggestion: NextEditSuggestion | undefined): void;
  onError?(error: Error): void;
  /** Why the daemon may have left places out; each distinct one is told once. */
  onWarning?(warning: string): void;
}

/** Another open document, for an edit the daemon found there. */
export interface OtherDocument {
  document: string;
  content: string;
  version: number;
}

export interface NextEditTiming {
  /** The typing pause after which the daemon is asked. */
  pauseMs: number;
  /** The wait after an accepted suggestion before asking for the one after it. */
  afterAcceptMs: number;
}

export const DEFAULT_TIMING: NextEditTiming = { pauseMs: 600, afterAcceptMs: 50 };

/** The first of the daemon's edits that applies to ``content`` and changes it. */
export function firstSuggestion(document: string, sent: NextEditDocument, result: NextEditResult): NextEditSuggestion | undefined {
  const here = { document, path: sent.path, version: sent.version, content: sent.content };
  for (const edit of result.edits ?? []) {
    if (edit.path !== undefined && edit.path !== sent.path) continue; // see elsewhereSuggestion
    const suggestion = suggestionIn(here, document, result, edit);
    if (suggestion) return suggestion;
  }
  return undefined;
}

/** The first of the daemon's edits of another open document that applies to that document as
 * the editor has it (the daemon read the file as saved: ``removed`` must still be there). */
export async function elsewhereSuggestion(
  origin: string,
  sent: NextEditDocument,
  result: NextEditResult,
  readOther: NextEditHost["readOther"],
): Promise<NextEditSuggestion | undefined> {
  for (const edit of result.edits ?? []) {
    if (edit.path === undefined || edit.path === sent.path || edit.removed === undefined) continue;
    const other = await readOther(edit.path);
    const suggestion = other && suggestionIn({ ...other, path: edit.path }, origin, result, edit, edit.removed);
    if (suggestion) return suggestion;
  }
  return undefined;
}

/** ``edit`` as a suggestion in ``target`` (asked about from ``origin``), if its range is in
 * the target's text and it changes it; ``expected``: the text it must replace there. */
function suggestionIn(
  target: OtherDocument & { path: string },
  origin: string,
  result: NextEditResult,
  edit: SuggestedEdit,
  expected?: string,
): NextEditSuggestion | undefined {
  const offsets = offsetsOf(target.content, edit.range);
  if (!offsets) return undefined;
  const removed = target.content.slice(offsets.start, offsets.end);
  if (removed === edit.text || (expected !== undefined && removed !== expected)) return undefined;
  return {
    document: target.document,
    origin,
    path: target.path,
    version: target.version,
    requestId: result.request_id,
    ...offsets,
    removed,
    text: edit.text,
    kind: edit.kind,
    confidence: edit.confidence,
    line: edit.range.startLine,
    endLine: edit.range.endLine,
  };
}

interface Shown extends NextEditSuggestion {
  reported: boolean;
  /** 1-based line of the cursor in ``origin`` when the daemon was asked. */
  asked: number;
}

/**
 * One per window, fed by the editor's events:
 * - `changed` (any change of a document) cancels that document's question in flight
 *   (`$/cancel`), takes down its suggestion (rejected: typed over) and waits for a pause;
 * - after the pause, unless an inline completion is showing, asks `nextEdit` and shows the
 *   first edit;
 * - `tab` jumps to the suggestion, or accepts it when the cursor is already there (reported
 *   once the editor has `applied` it); `dismiss` (Esc) takes it down, rejected; `withdraw`
 *   and `forget` take it down with no verdict, as does `moved` (the cursor gone far from it).
 *   Each suggestion shown gets at most one `feedback`.
 */
/** The cursor at 1-based ``line`` of ``document`` is more than LAPSE_LINES from both the
 * suggestion and the place it was asked from (another editor: withdrawn on the switch). */
function lapsed(shown: Shown, document: string, line: number): boolean {
  if (document !== shown.document && document !== shown.origin) return false;
  const near = (first: number, last: number) => first - LAPSE_LINES <= line && line <= last + LAPSE_LINES;
  if (document === shown.document && near(shown.line, shown.endLine)) return false;
  return !(document === shown.origin && near(shown.asked, shown.asked));
}

export class NextEditController {
  private readonly timers = new Map<string, () => void>();
  private pending: { document: string; abort: AbortController } | undefined;
  private current: Shown | undefined;
  /** The document whose next change is the suggestion being accepted. */
  private accepting: string | undefined;
  /** The suggestion accepted, until the editor says whether it made the edit. */
  private applying: Shown | undefined;
  readonly stats = { requests: 0, suggested: 0, empty: 0, cancelled: 0, errors: 0 };
  /** The warnings told already: the same one comes with every question until it is mended. */
  private readonly told = new Set<string>();

  constructor(
    private readonly host: NextEditHost,
    private readonly timing: NextEditTiming = DEFAULT_TIMING,
    private readonly clock: Clock = realClock,
  ) {}

  get suggestion(): NextEditSuggestion | undefined {
    return this.current;
  }

  /** ``document`` changed (a keystroke, a paste, an accepted suggestion, an undo). */
  changed(document: string): void {
    if (this.pending?.document === document) this.cancelRequest();
    const accepted = this.accepting === document;
    this.accepting = undefined;
    // Typed over: the programmer saw it and went on with something else, a rejection (as a
    // replaced inline completion is).
    if (this.current?.document === document || this.current?.origin === document) this.finish(false);
    this.timers.get(document)?.();
    const wait = accepted ? this.timing.afterAcceptMs : this.timing.pauseMs;
    this.timers.set(
      document,
      this.clock.after(wait, () => {
        this.timers.delete(document);
        void this.ask(document);
      }),
    );
  }

  /** Tab in ``document`` with the cursor at UTF-16 offset ``cursor``: from the document the
   * question was about, a suggestion in another one jumps there. */
  tab(document: string, cursor: number): TabAction {
    const shown = this.current;
    if (!shown || (shown.document !== document && shown.origin !== document)) return { kind: "none" };
    const away = shown.document !== document || cursor < shown.start || cursor > shown.end;
    if (away) return { kind: "jump", document: shown.document, path: shown.path, offset: shown.start };
    // Taken down, but not reported until the editor has made the edit (`applied`): one it
    // refused was counted as accepted.
    this.accepting = document;
    this.applying = shown;
    this.current = undefined;
    this.host.show(undefined);
    return { kind: "accept", suggestion: shown };
  }

  /** The editor made the accepted edit (``done``), or refused it: then nothing is reported
   * (the programmer did not turn it down either) and no change is taken for it. */
  applied(done: boolean): void {
    const shown = this.applying;
    this.applying = undefined;
    if (!shown) return;
    if (done) this.report(shown, true);
    else if (this.accepting === shown.document) this.accepting = undefined;
  }

  /** Esc: the suggestion (rejected) and any question in flight go. */
  dismiss(): void {
    this.cancelRequest();
    if (this.current) this.finish(false);
  }

  /** Another editor, next edits turned off, a suggestion gone stale: it and any question in
   * flight go, with no verdict (these were counted as rejections). */
  withdraw(): void {
    this.cancelRequest();
    if (this.current) this.finish(undefined);
  }

  /** The cursor moved to 1-based ``line`` of ``document``: more than LAPSE_LINES from both
   * the suggestion and the place it was asked from, it lapses, with no verdict. It stayed
   * until the document changed: a programmer who ignored it, clicked far away and pressed
   * Tab to indent got a jump, and a second Tab applied it. Tab's jump lands on it. */
  moved(document: string, line: number): void {
    const shown = this.current;
    if (shown && lapsed(shown, document, line)) this.withdraw();
  }

  /** ``document`` was closed: no verdict. */
  forget(document: string): void {
    this.timers.get(document)?.();
    this.timers.delete(document);
    if (this.pending?.document === document) this.cancelRequest();
    if (this.current?.document === document || this.current?.origin === document) this.finish(undefined);
  }

  dispose(): void {
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
    this.withdraw();
  }

  private async ask(document: string): Promise<void> {
    const host = this.host;
    if (!host.enabled() || !host.supports("nextEdit") || this.current || host.inlineShowing(document)) return;
    const sent = host.read(document);
    if (!sent || sent.content.length > MAX_CONTENT_CHARS) return;
    this.cancelRequest();
    const request = { document, abort: new AbortController() };
    this.pending = request;
    try {
      await host.flush(document);
      if (request.abort.signal.aborted) throw new RpcError(Code.cancelled, "cancelled by a keystroke");
      this.stats.requests++;
      const result = (await host.call("nextEdit", nextEditParams(sent), { signal: request.abort.signal })) as NextEditResult;
      this.tell(result.warnings ?? []);
      const suggestion =
        firstSuggestion(document, sent, result) ?? (await elsewhereSuggestion(document, sent, result, (path) => host.readOther(path)));
      if (this.pending !== request) return; // a keystroke came as the answer did
      this.pending = undefined;
      if (!suggestion) {
        this.stats.empty++;
        return;
      }
      const shown = { ...suggestion, reported: false, asked: lineColumnAt(sent.content, sent.cursor).line };
      // The cursor went far while the daemon thought (no edit, or this question would have
      // been cancelled): shown now, it stayed until the next move.
      const now = host.read(document);
      if (now && lapsed(shown, document, lineColumnAt(now.content, now.cursor).line)) {
        this.stats.empty++;
        return;
      }
      this.stats.suggested++;
      this.current = shown;
      host.show(this.current);
    } catch (error) {
      if (this.pending === request) this.pending = undefined;
      if (error instanceof RpcError && error.cancelled) {
        this.stats.cancelled++;
        return;
      }
      this.stats.errors++;
      host.onError?.(error as Error);
    }
  }

  private tell(warnings: string[]): void {
    for (const warning of warnings) {
      if (this.told.has(warning)) continue;
      this.told.add(warning);
      this.host.onWarning?.(warning);
    }
  }

  private cancelRequest(): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.abort.abort();
  }

  /** Take the suggestion down, reported ``accepted`` or not at all (undefined). */
  private finish(accepted: boolean | undefined): void {
    const shown = this.current;
    this.current = undefined;
    if (!shown) return;
    if (accepted !== undefined) this.report(shown, accepted);
    this.host.show(undefined);
  }

  private report(shown: Shown, accepted: boolean): void {
    if (shown.reported) return;
    shown.reported = true;
    this.host.call("feedback", { request_id: shown.requestId, accepted }).catch(() => undefined);
  }
}

function nextEditParams(sent: NextEditDocument): NextEditParams {
  const cursor = lineColumnAt(sent.content, sent.cursor);
  const params: NextEditParams = { path: sent.path, content: sent.content, line: cursor.line, column: cursor.column, maxEdits: 1 };
  if (sent.language) params.language = sent.language;
  if (sent.workspace) params.workspace = sent.workspace;
  if (sent.model) params.model = sent.model;
  return params;
}

/** Where an inline completion was last offered: it is on screen while its document and the
 * cursor stay as they were (a keystroke or a move takes it away). */
export class InlineMarker {
  private at: { document: string; version: number; offset: number } | undefined;

  offered(document: string, version: number, offset: number): void {
    this.at = { document, version, offset };
  }

  showing(document: string, version: number, offset: number): boolean {
    const at = this.at;
    return at !== undefined && at.document === document && at.version === version && at.offset === offset;
  }
}

/** The suggested text on one line, for an after-text decoration (which shows no line breaks). */
export function previewText(text: string, limit = 80): string {
  const oneLine = text.replace(/\r?\n/g, " ⏎ ");
  return oneLine.length > limit ? `${oneLine.slice(0, limit - 1)}…` : oneLine;
}
