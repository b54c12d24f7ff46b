// The wire types of next-edit suggestions (docs/protocol.md: `document/edit`, `nextEdit`).
// Written by hand until scripts/params_ts.py regenerates params.ts from the daemon's
// params.py with these two methods; then the params types below can come from there.

import type { WireRange } from "./textPositions";

/** One change of a document: ``range`` is in the text before it, ``removed`` what it covered. */
export interface WireEdit {
  range: WireRange;
  text: string;
  removed: string;
}

/** `document/edit`: one debounced edit of an editor buffer. */
export interface DocumentEditParams extends WireEdit {
  path: string;
  language?: string;
  version?: number;
}

/** `nextEdit`: where the next edit goes and what it is, given the document now. */
export interface NextEditParams {
  path: string;
  content: string;
  line?: number;
  column?: number;
  language?: string;
  workspace?: string;
  /** Replaces the daemon's history of the document (the CLI sends it; the editor relies on
   * `document/edit`). */
  edits?: WireEdit[];
  maxEdits?: number;
}

export type NextEditKind = "rename" | "signature" | "similar";

/** One suggested edit: ``range`` is in the `content` that was sent. */
export interface SuggestedEdit {
  range: WireRange;
  text: string;
  kind: NextEditKind;
  confidence: number;
  /** Whether the model wrote it (false: computed). */
  model?: boolean;
  /** Another open document the edit is in (a use of a renamed definition); absent: this one. */
  path?: string;
  /** With ``path``: the text ``range`` covers in that file as the daemon read it. */
  removed?: string;
}

export interface NextEditResult {
  requestId: string;
  /** Best first; empty: no suggestion. */
  edits: SuggestedEdit[];
}

/** The methods of next edits, and `feedback`, as the controller sends them. */
export type NextEditMethod = "document/edit" | "nextEdit" | "feedback";
