// The chat view's logic: what the webview asks, what it is sent, Markdown rendering.
// No vscode import: chatView.ts wires a webview to a ChatController.

import type { ChatParams, SessionsOpenParams } from "./params";
import MarkdownIt from "markdown-it";

import type { Call } from "./completion";
import { Code, RpcError } from "./protocol";

/** Messages the webview sends (media/chat.js). */
export type FromWebview =
  | { type: "ready" }
  | { type: "send"; text: string }
  | { type: "cancel" }
  | { type: "newSession" }
  | { type: "openSession"; id: string }
  | { type: "insert"; turn: number; block: number }
  | { type: "copy"; turn: number; block: number }
  | { type: "attachSelection" };

export interface SessionSummary {
  id: string;
  name: string;
  turns: number;
  attachments: string[];
  updated_at: number;
}

/** Messages the webview receives. HTML is rendered here, from Markdown with raw HTML off. */
export type ToWebview =
  | { type: "sessions"; sessions: Array<{ id: string; name: string; turns: number }>; current: string | undefined }
  | { type: "transcript"; turns: Array<{ role: string; html: string }>; attachments: string[] }
  | { type: "streaming"; turn: number; html: string }
  | { type: "busy"; busy: boolean }
  | { type: "error"; message: string }
  | { type: "notice"; message: string }
  /** A message that was not asked goes back into the (empty) input, to send again. */
  | { type: "restore"; text: string };

interface Turn {
  role: string;
  content: string;
  /** Stopped, or cut short by a crash: marked so, not shown as if it were whole. */
  interrupted?: boolean;
}

export interface ChatHost {
  call: Call;
  post(message: ToWebview): void;
  insertAtCursor(code: string): PromiseLike<void> | void;
  copy(code: string): PromiseLike<void> | void;
  /** The editor's selection as an absolute path and 1-based "A:B", if any, and whether
   * the file has changes not saved (the daemon attaches it as it is on disk). */
  selection(): { path: string; lines: string; unsaved?: boolean } | undefined;
  /** Names the conversation a workspace continues (the folder, or undefined). */
  sessionKey(): string | undefined;
  model?(): string | undefined;
}

const markdown = new MarkdownIt({ html: false, linkify: false, breaks: false });

/** After an answer that was stopped or cut short by a crash: it is not whole. */
const INTERRUPTED = '<p class="interrupted"><em>(interrupted)</em></p>';

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

interface RenderEnv {
  [key: string | symbol]: unknown;
  turn: number;
  blocks: string[];
}

markdown.renderer.rules.fence = (tokens, index, _options, rawEnv) => {
  const env = rawEnv as unknown as RenderEnv;
  const token = tokens[index];
  const block = env.blocks.length;
  env.blocks.push(token.content);
  const language = escapeHtml(token.info.trim().split(/\s+/)[0] ?? "");
  const where = `data-turn="${env.turn}" data-block="${block}"`;
  return (
    `<div class="code"><div class="code-bar"><span>${language}</span>` +
    `<button data-action="insert" ${where}>Insert at cursor</button>` +
    `<button data-action="copy" ${where}>Copy</button></div>` +
    `<pre><code>${escapeHtml(token.content)}</code></pre></div>\n`
  );
};

/** Markdown to HTML (raw HTML in the text is shown, never run) plus its code blocks. */
export function renderMarkdown(text: string, turn: number): { html: string; blocks: string[] } {
  const env: RenderEnv = { turn, blocks: [] };
  return { html: markdown.render(text, env), blocks: env.blocks };
}

export class ChatController {
  private session: string | undefined;
  private turns: Turn[] = [];
  /** The answers being written, by session: one per session; another session's may be
   * asked meanwhile (the daemon queues it), and Stop stops the one of the session shown. */
  private readonly running = new Map<string, AbortController>();
  /** A message whose session is still being opened (none was shown yet). */
  private starting: AbortController | undefined;
  /** Refreshes asked for: only the latest one's answer is drawn (they may come back out of
   * order, and an older one drew another session's conversation under this one's name). */
  private refreshes = 0;

  constructor(private readonly host: ChatHost) {}

  async handle(message: FromWebview): Promise<void> {
    try {
      switch (message.type) {
        case "ready":
          await this.drawAgain();
          break;
        case "newSession":
          await this.open(undefined, true);
          break;
        case "openSession":
          await this.open(message.id, false);
          break;
        case "send":
          await this.send(message.text);
          break;
        case "cancel":
          // A message still opening its session first: open() shows the session before its
          // answer is registered, and a Stop then found nothing to stop.
          (this.starting ?? (this.session === undefined ? undefined : this.running.get(this.session)))?.abort();
          break;
        case "insert":
        case "copy": {
          const code = this.codeBlock(message.turn, message.block);
          if (code === undefined) throw new Error("that code block is gone; the conversation changed");
          await (message.type === "insert" ? this.host.insertAtCursor(code) : this.host.copy(code));
          break;
        }
        case "attachSelection":
          await this.attachSelection();
          break;
      }
    } catch (error) {
      this.host.post({ type: "error", message: error instanceof Error ? error.message : String(error) });
    }
  }

  /** Whether the session shown has an answer being written (or a message is opening one). */
  get busy(): boolean {
    return this.starting !== undefined || (this.session !== undefined && this.running.has(this.session));
  }

  /** Whether a session is shown (none when the daemon could not be reached at the start). */
  get opened(): boolean {
    return this.session !== undefined;
  }

  async attachSelection(): Promise<void> {
    const selection = this.host.selection();
    if (!selection) throw new Error("select some lines in a saved file to attach them");
    if (selection.unsaved) {
      // The daemon reads the lines from disk: other code than the selection, or none.
      throw new Error("save the file first: the lines are attached as the file is on disk");
    }
    if (!this.session) await this.open(undefined, false);
    await this.host.call("sessions/attach", { session: this.current(), path: selection.path, lines: selection.lines });
    await this.refresh();
    this.host.post({ type: "notice", message: `attached ${selection.path} lines ${selection.lines}` });
  }

  /** The open session's id (one is opened before any call that names it). */
  private current(): string {
    if (!this.session) throw new Error("no chat session is open");
    return this.session;
  }

  /** The view drawn anew (moved, or its page reloaded): the conversation it showed goes
   * on, its answer still being written; at the start, the workspace's newest. */
  private async drawAgain(): Promise<void> {
    if (this.session !== undefined) {
      try {
        await this.refresh();
        return;
      } catch (error) {
        if (!(error instanceof RpcError && error.code === Code.inputError)) throw error;
      }
    }
    await this.open(undefined, false); // none yet, or deleted meanwhile
  }

  /** Switch to session ``id``, or the workspace's newest session (a new one if ``fresh``). */
  private async open(id: string | undefined, fresh: boolean): Promise<void> {
    if (id) {
      this.session = id;
    } else {
      const params: SessionsOpenParams = {};
      const key = this.host.sessionKey();
      if (key) params.key = key;
      if (fresh) params.new = true;
      const summary = (await this.host.call("sessions/open", params)) as SessionSummary;
      this.session = summary.id;
    }
    await this.refresh();
  }

  private async refresh(): Promise<void> {
    const session = this.current();
    const mine = ++this.refreshes;
    const [list, full] = await Promise.all([
      this.host.call("sessions/list", {}) as Promise<{ sessions: SessionSummary[] }>,
      this.host.call("sessions/get", { session }) as Promise<{
        turns: Turn[];
        attachments: Array<{ path: string; lines: string | null }>;
      }>,
    ]);
    if (mine !== this.refreshes || session !== this.session) return; // a newer one draws
    this.turns = full.turns.map((t) => ({ role: t.role, content: t.content, interrupted: t.interrupted }));
    this.host.post({
      type: "sessions",
      sessions: list.sessions.map((s) => ({ id: s.id, name: s.name, turns: s.turns })),
      current: session,
    });
    this.postTranscript(
      this.turns,
      full.attachments.map((a) => (a.lines ? `${a.path}:${a.lines}` : a.path)),
    );
    this.host.post({ type: "busy", busy: this.busy }); // Stop is for the session shown
  }

  private async send(text: string): Promise<void> {
    if (!text.trim()) return;
    if (this.busy) {
      this.host.post({ type: "restore", text });
      throw new Error("wait for the answer, or stop it, before asking again");
    }
    // Busy from here: a second message sent while the first one's session opened went out
    // too, and its answer could not be stopped.
    const abort = new AbortController();
    let asked = this.session;
    if (asked === undefined) this.starting = abort;
    else this.running.set(asked, abort);
    this.host.post({ type: "busy", busy: true });
    let said: string | undefined;
    let failure: Error | undefined;
    let sent = false;
    try {
      if (asked === undefined) {
        await this.open(undefined, false);
        asked = this.current();
        this.running.set(asked, abort);
        this.starting = undefined;
      }
      const turn = this.turns.length + 1;
      this.turns.push({ role: "user", content: text }, { role: "assistant", content: "" });
      this.postTranscript(this.turns.slice(0, -1), []);
      const params: ChatParams = { session: asked, message: text };
      const model = this.host.model?.();
      if (model) params.model = model;
      let answer = "";
      sent = !abort.signal.aborted;
      const result = (await this.host.call("chat", params, {
        signal: abort.signal,
        onDelta: (delta) => {
          answer += delta;
          // Another conversation opened meanwhile: this answer goes on (the daemon keeps
          // it in its own session) but is not drawn into the one shown. The same one shown
          // again (a refresh: an attachment, a switch back) goes on being drawn.
          if (this.session !== asked) return;
          if (this.turns[turn]?.role === "assistant") this.turns[turn].content = answer;
          this.host.post({ type: "streaming", turn, html: renderMarkdown(answer, turn).html });
        },
      })) as { warnings?: string[] };
      said = result.warnings?.join("; ") || undefined; // cut off, turns left out, a file changed
    } catch (error) {
      if (error instanceof RpcError && error.cancelled && !sent) {
        // Stopped while its session opened: never asked, it goes back into the input.
        said = "stopped before it was sent";
        this.host.post({ type: "restore", text });
      } else if (error instanceof RpcError && error.cancelled) {
        said = "stopped; the partial answer is kept";
      } else {
        failure = error instanceof Error ? error : new Error(String(error));
      }
    } finally {
      if (this.starting === abort) this.starting = undefined;
      if (asked !== undefined) this.running.delete(asked);
      this.host.post({ type: "busy", busy: this.busy });
    }
    // Said of the session shown; another's (picked meanwhile) is said with its name.
    const elsewhere = asked !== undefined && asked !== this.session;
    if (failure) {
      // Not answered: the daemon took the question back; it goes back into the input, of
      // its own conversation (put into another's, it was sent there).
      if (elsewhere) this.session = asked;
      this.host.post({ type: "restore", text });
      await this.refresh().catch((error: unknown) => {
        // The session is gone (deleted from a terminal or another window): the next
        // message opens the workspace's, not the same failure again and again.
        if (error instanceof RpcError && error.code === Code.inputError) this.session = undefined;
      });
      throw elsewhere ? new Error(`in another conversation: ${failure.message}`) : failure;
    }
    await this.refresh();
    if (said && !elsewhere) this.host.post({ type: "notice", message: said }); // after the redraw, or it is wiped
  }

  private postTranscript(turns: Turn[], attachments: string[]): void {
    this.host.post({
      type: "transcript",
      turns: turns.map((t, i) => ({
        role: t.role,
        html: renderMarkdown(t.content, i).html + (t.interrupted ? INTERRUPTED : ""),
      })),
      attachments,
    });
  }

  private codeBlock(turn: number, block: number): string | undefined {
    const content = this.turns[turn]?.content;
    return content === undefined ? undefined : renderMarkdown(content, turn).blocks[block];
  }
}
