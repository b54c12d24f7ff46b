// Positions as the daemon counts them (docs/protocol.md): 1-based lines split at "\n" and
// 1-based columns counting code points, as Python's `str` does; JavaScript strings (and VS
// Code's positions) count UTF-16 units, so a character outside the BMP is one column for the
// daemon and two units here. No vscode import.

import type { TextRange } from "./params";

/** 1-based line and column; the column counts code points. */
export interface LineColumn {
  line: number;
  column: number;
}

/** A range as the wire carries it: 1-based, end exclusive. */
export type WireRange = TextRange;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Code points in ``text`` from ``start`` to ``end`` (UTF-16 offsets). */
function codePoints(text: string, start: number, end: number): number {
  let count = 0;
  for (let i = start; i < end; i++) {
    if (!(isLowSurrogate(text.charCodeAt(i)) && i > start && isHighSurrogate(text.charCodeAt(i - 1)))) count++;
  }
  return count;
}

/** The UTF-16 units of the first ``count`` code points of ``text`` (the daemon counts code
 * points: a completion's `replace`). */
export function unitsOf(text: string, count: number): number {
  let units = 0;
  for (let seen = 0; seen < count && units < text.length; seen++) {
    units += isHighSurrogate(text.charCodeAt(units)) && isLowSurrogate(text.charCodeAt(units + 1)) ? 2 : 1;
  }
  return units;
}

/** Never between the two halves of a surrogate pair: such an offset moves back to the pair's
 * start (a diff must not cut a character in two). */
export function characterBoundary(text: string, offset: number): number {
  if (offset > 0 && offset < text.length && isLowSurrogate(text.charCodeAt(offset)) && isHighSurrogate(text.charCodeAt(offset - 1))) {
    return offset - 1;
  }
  return offset;
}

/** The line and column of a UTF-16 ``offset`` in ``text``. */
export function lineColumnAt(text: string, offset: number): LineColumn {
  const end = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let newline = text.indexOf("\n"); newline >= 0 && newline < end; newline = text.indexOf("\n", newline + 1)) {
    line++;
    lineStart = newline + 1;
  }
  return { line, column: codePoints(text, lineStart, end) + 1 };
}

/** The UTF-16 offset of a 1-based line and code-point column in ``text``; undefined when the
 * place is not in it. The column may be one past the line's end (before its "\n"). */
export function offsetAt(text: string, place: LineColumn): number | undefined {
  if (!Number.isInteger(place.line) || !Number.isInteger(place.column) || place.line < 1 || place.column < 1) return undefined;
  let lineStart = 0;
  for (let line = 1; line < place.line; line++) {
    const newline = text.indexOf("\n", lineStart);
    if (newline < 0) return undefined;
    lineStart = newline + 1;
  }
  const newline = text.indexOf("\n", lineStart);
  const lineEnd = newline < 0 ? text.length : newline;
  let offset = lineStart;
  for (let column = 1; column < place.column; column++) {
    if (offset >= lineEnd) return undefined;
    offset += isHighSurrogate(text.charCodeAt(offset)) && isLowSurrogate(text.charCodeAt(offset + 1)) ? 2 : 1;
  }
  return offset;
}

/** A wire range's UTF-16 offsets in ``text``; undefined when it is not a range of it. */
export function offsetsOf(text: string, range: WireRange): { start: number; end: number } | undefined {
  const start = offsetAt(text, { line: range.startLine, column: range.startColumn });
  const end = offsetAt(text, { line: range.endLine, column: range.endColumn });
  if (start === undefined || end === undefined || end < start) return undefined;
  return { start, end };
}

/** The wire range of UTF-16 offsets ``start``..``end`` in ``text``. */
export function rangeOf(text: string, start: number, end: number): WireRange {
  const from = lineColumnAt(text, start);
  const to = lineColumnAt(text, end);
  return { startLine: from.line, startColumn: from.column, endLine: to.line, endColumn: to.column };
}
