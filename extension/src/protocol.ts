// The daemon's JSON-RPC 2.0 protocol over its loopback WebSocket (docs/protocol.md).
// No vscode import: the tests drive this module under node against a real daemon.

import { createHmac, randomBytes } from "node:crypto";

import WebSocket from "ws";

export const PROTOCOL_VERSION = 1;
export const CLIENT_NAME = "codesaga-vscode";

/** Application error codes from docs/protocol.md. */
export const Code = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  modelUnavailable: -32001,
  contextTooLong: -32002,
  cancelled: -32003,
  queueFull: -32004,
  unauthorized: -32005,
  versionMismatch: -32006,
  inputError: -32007,
  notInitialized: -32008,
  // The daemon is stopping and did nothing of the request: it may be sent again.
  stopping: -32009,
  // Ours, never sent by the daemon: the connection broke before the answer came.
  disconnected: -1,
} as const;

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = "RpcError";
  }

  get cancelled(): boolean {
    return this.code === Code.cancelled;
  }

  /** Refused untouched by a daemon that is stopping: nothing of it was done. */
  get notTaken(): boolean {
    return this.code === Code.stopping;
  }
}

/** The handshake failed: the daemon said why with an HTTP status (401 token, 403 origin/host). */
export class HandshakeError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HandshakeError";
  }
}

/** What answered at the daemon's address accepted the handshake without proving that it holds
 * the token: not the daemon that wrote websocket.json (it was killed, and another process took
 * its port). Nothing was sent to it. */
export class NotTheDaemonError extends Error {
  constructor(readonly url: string) {
    super(`${url} answered without the daemon's proof: not the CodeSaga daemon, nothing was sent to it`);
    this.name = "NotTheDaemonError";
  }
}

export const PROOF_HEADER = "x-codesaga-proof";

function mac(token: string, label: string, nonce: string): string {
  return createHmac("sha256", token).update(`${label}:${nonce}`).digest("base64url");
}

/** How the handshake shows the token without giving it away (docs/protocol.md): a fresh nonce
 * and HMAC-SHA256 of `client:NONCE` under the token. */
export function clientProof(token: string, nonce: string): string {
  return mac(token, "client", nonce);
}

/** What only the daemon holding the token can answer that with: the same of `daemon:NONCE`. */
export function daemonProof(token: string, nonce: string): string {
  return mac(token, "daemon", nonce);
}

export interface ServerInfo {
  daemon: { name: string; version: string; pid: number };
  protocolVersion: number;
  models: Record<string, string>;
  capabilities: { streaming: boolean; cancel: boolean; methods: string[] };
}

export interface CallOptions {
  /** Streamed text of the answer as it is generated (`$/delta`); asks the daemon to stream. */
  onDelta?: (text: string) => void;
  /** Aborting sends `$/cancel`; the call then rejects with a cancelled RpcError. */
  signal?: AbortSignal;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onDelta?: (text: string) => void;
}

const OPEN_TIMEOUT_MS = 5000;
/** The daemon answers `initialize` from its event loop, never behind the model: silent
 * this long, it is stuck (stopped, deadlocked), and waiting on would hang every feature. */
export const INITIALIZE_TIMEOUT_MS = 10_000;

/** One connection to the daemon. Requests run concurrently; answers match by id. */
export class DaemonClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedError: Error | undefined;
  private readonly closeListeners: Array<(error: Error) => void> = [];
  server: ServerInfo | undefined;

  private constructor(private readonly socket: WebSocket) {
    socket.on("message", (data, isBinary) => {
      if (!isBinary) this.receive(frameText(data));
    });
    socket.on("close", (code, reason) => {
      const why = reason.toString() || `code ${code}`;
      this.fail(new RpcError(Code.disconnected, `the connection to the daemon closed (${why})`));
    });
    socket.on("error", (error) => this.fail(new RpcError(Code.disconnected, error.message)));
  }

  /** Open a connection with the token in the handshake's Authorization header (never in
   * the URL), then `initialize`. Rejects with HandshakeError on 401/403. */
  static async connect(
    url: string,
    token: string,
    clientVersion: string,
    protocolVersion: number = PROTOCOL_VERSION,
    initializeTimeoutMs: number = INITIALIZE_TIMEOUT_MS,
  ): Promise<DaemonClient> {
    // Not `Bearer TOKEN`: whatever took a killed daemon's port would read the token, and
    // then could make any proof of it.
    const nonce = randomBytes(24).toString("base64url");
    const socket = new WebSocket(url, {
      headers: { Authorization: `CodeSaga ${nonce}.${clientProof(token, nonce)}` },
      perMessageDeflate: false,
      handshakeTimeout: OPEN_TIMEOUT_MS,
      maxPayload: 16 * 1024 * 1024,
    });
    await new Promise<void>((resolve, reject) => {
      let proven = false;
      socket.once("upgrade", (response) => {
        const proof = response.headers[PROOF_HEADER];
        proven = typeof proof === "string" && proof === daemonProof(token, nonce);
      });
      socket.once("open", () => {
        if (proven) return resolve();
        socket.terminate(); // before any frame: the editor's code goes to the daemon only
        reject(new NotTheDaemonError(url));
      });
      socket.once("unexpected-response", (_request, response) => {
        const status = response.statusCode ?? 0;
        socket.terminate();
        reject(
          new HandshakeError(
            status,
            status === 401
              ? "the daemon refused the token (it changes at every daemon start, and reconnecting reads the new one; a daemon older than this extension refuses it too: restart it)"
              : `the daemon refused the connection (HTTP ${status})`,
          ),
        );
      });
      socket.once("error", reject);
    });
    const client = new DaemonClient(socket);
    let timer: NodeJS.Timeout | undefined;
    const silence = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(
          new RpcError(
            Code.disconnected,
            `the daemon did not answer within ${initializeTimeoutMs / 1000} s: it may be stuck; ` +
              "run `codesaga daemon stop` (it signals a daemon that does not answer), then try again",
          ),
        );
      }, initializeTimeoutMs);
    });
    try {
      const initialized = client.call("initialize", {
        client: { name: CLIENT_NAME, version: clientVersion },
        protocolVersion,
      });
      client.server = (await Promise.race([initialized, silence])) as ServerInfo;
    } catch (error) {
      // Refused (another protocol version) or silent: the socket must not stay open.
      client.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return client;
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  onClose(listener: (error: Error) => void): void {
    this.closeListeners.push(listener);
  }

  call(method: string, params: object = {}, options: CallOptions = {}): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (options.signal?.aborted) {
      return Promise.reject(new RpcError(Code.cancelled, "the request was cancelled"));
    }
    const id = this.nextId++;
    const body = options.onDelta ? { ...params, stream: true } : params;
    const answer = new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onDelta: options.onDelta });
    });
    const onAbort = () => this.notify("$/cancel", { id });
    options.signal?.addEventListener("abort", onAbort, { once: true });
    this.send({ jsonrpc: "2.0", id, method, params: body });
    return answer.finally(() => options.signal?.removeEventListener("abort", onAbort));
  }

  notify(method: string, params: Record<string, unknown>): void {
    if (!this.closedError) this.send({ jsonrpc: "2.0", method, params });
  }

  close(): void {
    this.socket.close(1000, "client closed");
    this.fail(new RpcError(Code.disconnected, "the client closed the connection"));
  }

  private send(message: object): void {
    this.socket.send(JSON.stringify(message));
  }

  private receive(frame: string): void {
    let message: {
      id?: number | string | null;
      method?: string;
      params?: { id?: number; text?: string };
      result?: unknown;
      error?: { code: number; message: string; data?: unknown };
    };
    try {
      message = JSON.parse(frame) as typeof message;
    } catch {
      return; // The daemon only sends JSON; a broken frame has no request to fail.
    }
    if (message.method === "$/delta") {
      const id = message.params?.id;
      const text = message.params?.text;
      if (typeof id !== "number" || typeof text !== "string") return;
      try {
        this.pending.get(id)?.onDelta?.(text);
      } catch (error) {
        // A caller's failure is its own: thrown here, it stopped ws from delivering any
        // later message, and every feature waited on a connection that still looked open.
        console.error("codesaga: a streamed answer's handler failed", error);
      }
      return;
    }
    if (typeof message.id !== "number") return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (message.error) {
      pending.reject(new RpcError(message.error.code, message.error.message, message.error.data));
    } else {
      pending.resolve(message.result);
    }
  }

  private fail(error: Error): void {
    if (this.closedError) return;
    this.closedError = error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    for (const listener of this.closeListeners) listener(error);
  }
}

/** A text frame's text: ws gives a Buffer, or its fragments, or an ArrayBuffer as set. */
function frameText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return (Buffer.isBuffer(data) ? data : Buffer.from(data)).toString("utf8");
}
