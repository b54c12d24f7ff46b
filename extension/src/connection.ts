// Finding, starting and staying connected to the local daemon. No vscode import.

import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

import { type CallOptions, Code, DaemonClient, HandshakeError, NotTheDaemonError, RpcError } from "./protocol";

export interface Endpoint {
  url: string;
  tokenFile: string;
}

export type State =
  | { kind: "disconnected"; reason: string }
  | { kind: "connecting" }
  /** No daemon runs (it exited when idle): the next request starts it. */
  | { kind: "idle" }
  /** The user stopped the daemon: nothing starts it until they do. */
  | { kind: "stopped" }
  | { kind: "connected"; version: string; models: Record<string, string> }
  | { kind: "failed"; reason: string; action: "start" | "restart" | "settings" };

export interface ConnectionOptions {
  /** The `codesaga` command: a name on PATH, a path, or words such as `python -m codesaga`;
   * a function is asked at each use (the setting can change while the editor runs). */
  command: string | (() => string);
  clientVersion: string;
  env?: NodeJS.ProcessEnv;
  /** Start the daemon when none runs (the user can still stop it: then we wait to be asked). */
  autoStart?: boolean;
  log?: (line: string) => void;
  /** Backoff between reconnection attempts after the daemon went away, in ms. */
  backoff?: { first: number; max: number };
  /** The protocol version to announce (tests use another to see the mismatch handled). */
  protocolVersion?: number;
}

/** The runtime directory the daemon uses by default (docs/protocol.md); a config file can
 * move it, which is why `daemon status --json` is asked when nothing is found here. */
export function defaultRuntimeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CODESAGA_RUNTIME_DIR) return env.CODESAGA_RUNTIME_DIR;
  if (env.CODESAGA_HOME) return join(env.CODESAGA_HOME, "run");
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, "codesaga");
  const home = env.HOME ?? homedir();
  if (process.platform === "darwin") {
    return join(home, "Library", "Application Support", "codesaga", "run");
  }
  const state = env.XDG_STATE_HOME ?? join(home, ".local", "state");
  return join(state, "codesaga", "run");
}

/** Split the configured command into program and arguments (a path with spaces stays whole). */
export function commandWords(command: string): string[] {
  const trimmed = command.trim();
  if (existsSync(trimmed)) return [trimmed];
  return trimmed.split(/\s+/).filter(Boolean);
}

export class CommandError extends Error {
  constructor(
    message: string,
    readonly missing: boolean,
  ) {
    super(message);
    this.name = "CommandError";
  }
}

/** Run `codesaga ARGS...`; resolves with its stdout. */
export function runCommand(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 120_000,
): Promise<string> {
  const [program, ...prefix] = commandWords(command);
  if (!program) return Promise.reject(new CommandError("codesaga.daemonCommand is empty", true));
  return new Promise((resolve, reject) => {
    execFile(program, [...prefix, ...args], { env, timeout: timeoutMs }, (error, stdout, stderr) => {
      if (!error) {
        resolve(stdout);
        return;
      }
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
      const detail = missing
        ? `'${program}' was not found: install CodeSaga (pip install codesaga) or set codesaga.daemonCommand`
        : (stderr.trim() || error.message).split("\n").slice(-3).join("\n");
      reject(new CommandError(`${[program, ...prefix, ...args].join(" ")}: ${detail}`, missing));
    });
  });
}

/** Where the running daemon listens, or undefined when none runs. */
export async function locate(command: string, env: NodeJS.ProcessEnv = process.env): Promise<Endpoint | undefined> {
  const file = join(defaultRuntimeDir(env), "websocket.json");
  try {
    const info = JSON.parse(readFileSync(file, "utf8")) as { url?: string; token_file?: string };
    if (info.url && info.token_file) return { url: info.url, tokenFile: info.token_file };
  } catch {
    // Not at the default place (or not running): ask the daemon's own command.
  }
  const out = await runCommand(command, ["daemon", "status", "--json"], env, 30_000);
  const status = JSON.parse(out) as { running: boolean; websocket_url?: string; token_file?: string };
  if (status.running && status.websocket_url && status.token_file) {
    return { url: status.websocket_url, tokenFile: status.token_file };
  }
  return undefined;
}

const NOT_RUNNING = "the CodeSaga daemon is not running";
const GIVE_UP_AFTER_NOT_RUNNING = 4;

/** Whether a connection failed because no daemon of ours listens at the address: nothing does,
 * its token file went with it, or what took its port cannot prove the token. */
function nothingListens(error: unknown): boolean {
  if (error instanceof NotTheDaemonError) return true;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ECONNREFUSED" || code === "ENOENT";
}

/** Whether an attempt that could not start the daemon found none running. */
function noDaemon(error: unknown): boolean {
  return (error instanceof RpcError && error.message === NOT_RUNNING) || nothingListens(error);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One shared connection: `client()` connects on demand (starting the daemon when allowed),
 * and after the daemon goes away a background loop reconnects with backoff. The token is
 * read anew at every attempt, since a restarted daemon has a new one.
 */
export class Connection {
  private current: DaemonClient | undefined;
  private connecting: Promise<DaemonClient> | undefined;
  /** Whether the attempt under way may start the daemon (the background retry may not). */
  private connectingMayStart = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay: number;
  /** Background tries in a row that found no daemon running. */
  private notRunning = 0;
  private disposed = false;
  /** The user stopped the daemon: do not start it again until they ask. */
  stoppedByUser = false;
  state: State = { kind: "disconnected", reason: "not connected yet" };
  private readonly listeners: Array<(state: State) => void> = [];

  constructor(private readonly options: ConnectionOptions) {
    this.retryDelay = options.backoff?.first ?? 500;
  }

  onState(listener: (state: State) => void): void {
    this.listeners.push(listener);
  }

  get connected(): DaemonClient | undefined {
    return this.current && !this.current.closed ? this.current : undefined;
  }

  /** A connected client: the current one, or a new connection. */
  client(): Promise<DaemonClient> {
    const live = this.connected;
    if (live) return Promise.resolve(live);
    const mayStart = this.options.autoStart !== false && !this.stoppedByUser;
    if (!this.connecting) return this.opening(mayStart);
    if (mayStart && !this.connectingMayStart) {
      // The background retry only reconnects; the daemon may have exited when idle, and a
      // request (a keystroke) starts it again once that attempt finds none.
      return this.connecting.catch(() => this.client());
    }
    return this.connecting;
  }

  /** `codesaga daemon start`, then connect: one attempt at a time, so a start clicked while
   * a request's attempt (which may start the daemon too) runs is that attempt. */
  start(): Promise<DaemonClient> {
    this.stoppedByUser = false;
    if (this.connecting && this.connectingMayStart) return this.connecting;
    const before = this.connecting; // the background reconnect: let it end first
    this.current?.close();
    this.current = undefined;
    return this.opening(true, before);
  }

  async stop(): Promise<void> {
    this.stoppedByUser = true;
    this.cancelRetry();
    const client = this.connected;
    this.current = undefined;
    if (client) {
      await client.call("shutdown").catch(() => undefined);
      client.close();
    }
    // Until it has gone: a daemon that answered `shutdown` still has its files for a moment,
    // and a start right after (Restart) found its websocket.json and connected to its
    // closed port. `daemon stop` returns once it has exited (at once when none runs).
    await runCommand(this.command, ["daemon", "stop"], this.env).catch(() => undefined);
    this.setState({ kind: "stopped" });
  }

  dispose(): void {
    this.disposed = true;
    this.cancelRetry();
    this.current?.close();
    this.current = undefined;
  }

  private get command(): string {
    const { command } = this.options;
    return typeof command === "function" ? command() : command;
  }

  private get env(): NodeJS.ProcessEnv {
    return this.options.env ?? process.env;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** One connection attempt at a time: callers meanwhile share it. A ``background`` attempt
   * (the reconnect after the daemon went away) is not shown until it connects or fails. */
  private opening(mayStart: boolean, after?: Promise<unknown>, background = false): Promise<DaemonClient> {
    const opened = after ? after.catch(() => undefined).then(() => this.open(mayStart, background)) : this.open(mayStart, background);
    const attempt = opened.finally(() => {
      if (this.connecting === attempt) this.connecting = undefined;
    });
    this.connecting = attempt;
    this.connectingMayStart = mayStart;
    return attempt;
  }

  private async open(mayStart: boolean, background: boolean): Promise<DaemonClient> {
    this.cancelRetry();
    if (!background) this.setState({ kind: "connecting" });
    try {
      let endpoint = await this.endpoint();
      if (!endpoint && mayStart) {
        this.log(`starting the daemon: ${this.command} daemon start`);
        await runCommand(this.command, ["daemon", "start"], this.env);
        endpoint = await this.endpoint();
      }
      if (!endpoint) {
        throw new RpcError(Code.disconnected, NOT_RUNNING);
      }
      let client: DaemonClient;
      try {
        client = await this.handshake(endpoint);
      } catch (error) {
        // A daemon that was killed left its address behind: nothing listens there, and
        // only `daemon start` (which checks the daemon's lock) replaces it.
        if (!mayStart || !nothingListens(error)) throw error;
        this.log(`${describe(error)}: starting the daemon (${this.command} daemon start)`);
        await runCommand(this.command, ["daemon", "start"], this.env);
        const started = await this.endpoint();
        if (!started) throw new RpcError(Code.disconnected, NOT_RUNNING);
        client = await this.handshake(started);
      }
      if (this.current && this.current !== client) this.current.close(); // never two open
      this.current = client;
      this.retryDelay = this.options.backoff?.first ?? 500;
      this.notRunning = 0;
      const server = client.server;
      this.setState({ kind: "connected", version: server?.daemon.version ?? "?", models: server?.models ?? {} });
      this.log(`connected to daemon ${server?.daemon.version} (pid ${server?.daemon.pid}) at ${endpoint.url}`);
      client.onClose((error) => this.lost(client, error));
      return client;
    } catch (error) {
      // A daemon that exited when idle is no failure: the reconnect finding none painted the
      // item red ("not running"), flickering through each of its tries.
      this.setState(background && noDaemon(error) ? { kind: "idle" } : this.failure(error));
      throw error;
    }
  }

  private async endpoint(): Promise<Endpoint | undefined> {
    return locate(this.command, this.env).catch((error: unknown) => {
      if (error instanceof CommandError && error.missing) throw error;
      this.log(`could not ask the daemon's status: ${describe(error)}`);
      return undefined;
    });
  }

  private async handshake(endpoint: Endpoint): Promise<DaemonClient> {
    const token = readFileSync(endpoint.tokenFile, "utf8").trim();
    return DaemonClient.connect(endpoint.url, token, this.options.clientVersion, this.options.protocolVersion);
  }

  private failure(error: unknown): State {
    // Asked for while the user has it stopped (a chat message, say): the caller hears why;
    // the item stays "stopped" rather than turning into an error until Start.
    if (this.stoppedByUser && error instanceof RpcError && error.message === NOT_RUNNING) return { kind: "stopped" };
    if (error instanceof RpcError && error.code === Code.versionMismatch) {
      return {
        kind: "failed",
        reason: `the daemon speaks another protocol version (${error.message}); restart it to run the installed version`,
        action: "restart",
      };
    }
    if (error instanceof CommandError) {
      return { kind: "failed", reason: error.message, action: error.missing ? "settings" : "start" };
    }
    if (error instanceof HandshakeError) {
      return { kind: "failed", reason: error.message, action: "restart" };
    }
    if (error instanceof NotTheDaemonError) {
      // Still so after `daemon start`: a daemon from before this extension (it proves
      // nothing), or another program on a killed daemon's port that the start left alone.
      return { kind: "failed", reason: `${error.message}; restart the daemon`, action: "restart" };
    }
    return { kind: "failed", reason: describe(error), action: "start" };
  }

  private lost(client: DaemonClient, error: Error): void {
    if (this.current !== client) return;
    this.current = undefined;
    if (this.disposed || this.stoppedByUser) return;
    this.log(`lost the daemon: ${error.message}; reconnecting`);
    this.setState({ kind: "disconnected", reason: error.message });
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.disposed || this.retryTimer) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(delay * 2, this.options.backoff?.max ?? 30_000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.connected || this.connecting || this.stoppedByUser) return;
      // Reconnect only: a daemon that went away on purpose is started by the next request.
      // One known to be gone (it exited when idle) is not asked after again and again: each
      // try ran `codesaga daemon status`, every 30 s in every window.
      this.opening(false, undefined, true).catch((error: unknown) => {
        this.notRunning = noDaemon(error) ? this.notRunning + 1 : 0;
        // A few tries cover a restart's gap; then the next request starts it.
        if (this.notRunning < GIVE_UP_AFTER_NOT_RUNNING) this.scheduleRetry();
      });
    }, delay);
    this.retryTimer.unref?.();
  }

  private cancelRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private setState(state: State): void {
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }
}

/** What `askAgainOnceStopped` needs of a connected client. */
export type Asked = Pick<DaemonClient, "call" | "closed" | "onClose">;

/**
 * A call that a stopping daemon (its idle exit, `daemon stop`) refused untouched is asked
 * again, once, of the next daemon, after the stopping one has gone: a chat message sent at
 * that moment failed with "the daemon is stopping" and was in no session. The CLI does the
 * same. Only a refusal is asked again: a call the daemon took may have been done.
 */
export async function askAgainOnceStopped(
  client: () => Promise<Asked>,
  method: string,
  params: object,
  options: CallOptions = {},
  goneWithinMs = 10_000,
): Promise<unknown> {
  const first = await client();
  try {
    return await first.call(method, params, options);
  } catch (error) {
    if (!(error instanceof RpcError && error.notTaken) || options.signal?.aborted) throw error;
    await closed(first, goneWithinMs);
    return (await client()).call(method, params, options);
  }
}

function closed(client: Asked, withinMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (client.closed) return resolve();
    const timer = setTimeout(resolve, withinMs);
    client.onClose(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
