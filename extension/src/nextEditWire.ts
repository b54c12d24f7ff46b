// The wire types of next-edit suggestions (docs/protocol.md: `document/edit`, `nextEdit`).
// The params come from params.ts (generated from the daemon's params.py); the results are
// written here, as the daemon's handlers build them.

import type { WireRange } from "./textPositions";

export type { DocumentEditParams, NextEditParams, TextChange as WireEdit } from "./params";

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
  request_id: string;
  /** Best first; empty: no suggestion. */
  edits: SuggestedEdit[];
  /** Why some places may have no edit (the rewrites' model is not installed, say). */
  warnings?: string[];
}

/** The methods of next edits, and `feedback`, as the controller sends them. */
export type NextEditMethod = "document/edit" | "nextEdit" | "feedback";
