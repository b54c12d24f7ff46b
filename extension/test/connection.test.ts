import assert from "node:assert/strict";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";

import { WebSocketServer } from "ws";

import { type Asked, askAgainOnceStopped, Connection, type State } from "../src/connection";
import { Code, DaemonClient, RpcError } from "../src/protocol";
import { COMMAND, isolatedEnv, startFakeDaemon, tempHome } from "./daemon";

const RULES: Array<[string, string]> = [["    return", " a + b"]];

function connection(env: NodeJS.ProcessEnv, extra: Partial<ConstructorParameters<typeof Connection>[0]> = {}) {
  return new Connection({ command: COMMAND, clientVersion: "0.0.1", env, autoStart: false, backoff: { first: 100, max: 400 }, ...extra });
}

async function until(connection: Connection, kind: State["kind"], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (connection.state.kind !== kind) {
    if (Date.now() > deadline) throw new Error(`state is ${JSON.stringify(connection.state)}, not ${kind}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A `codesaga` command that logs its arguments to the returned file, fails `daemon start`
 * (when ``startFails``) and says no daemon runs. */
function scriptedCommand(home: string, startFails = true): { command: string; calls: string } {
  const calls = join(home, "calls.log");
  const command = join(home, "codesaga-command");
  const start = startFails ? `if [ "$2" = start ]; then echo "start failed" >&2; exit 1; fi\n` : "";
  writeFileSync(command, `#!/bin/sh\necho "$*" >> "${calls}"\n${start}echo '{"running": false}'\n`);
  chmodSync(command, 0o755);
  return { command, calls };
}

describe("connecting to the daemon", () => {
  test("no daemon: a clear failure that offers to start one", async () => {
    const c = connection(isolatedEnv(tempHome()));
    await assert.rejects(c.client(), /not running/);
    assert.deepEqual(
      { kind: c.state.kind, action: c.state.kind === "failed" && c.state.action },
      { kind: "failed", action: "start" },
    );
    c.dispose();
  });

  test("no codesaga command: the failure points at the setting", async () => {
    const c = connection(isolatedEnv(tempHome()), { command: "/nonexistent/bin/codesaga" });
    await assert.rejects(c.client(), /was not found/);
    assert.equal(c.state.kind === "failed" && c.state.action, "settings");
    c.dispose();
  });

  test("a wrong token is reported, and the right one works again", async () => {
    const daemon = await startFakeDaemon(RULES);
    const c = connection(daemon.env);
    try {
      const tokenFile = join(daemon.home, "run", "token");
      writeFileSync(tokenFile, "stale-token\n");
      await assert.rejects(c.client(), /refused the token/);
      assert.equal(c.state.kind === "failed" && c.state.action, "restart");
      writeFileSync(tokenFile, `${daemon.token}\n`);
      const client = await c.client();
      assert.equal(client.server?.daemon.name, "codesaga");
    } finally {
      c.dispose();
      await daemon.stop();
    }
  });

  test("another protocol version says to restart the daemon, and leaves no socket open", async () => {
    const daemon = await startFakeDaemon(RULES);
    const c = connection(daemon.env, { protocolVersion: 99 });
    const good = connection(daemon.env);
    try {
      for (let i = 0; i < 3; i++) await assert.rejects(c.client());
      assert.equal(c.state.kind, "failed");
      assert.match(c.state.kind === "failed" ? c.state.reason : "", /another protocol version.*restart/);
      assert.equal(c.state.kind === "failed" && c.state.action, "restart");
      // Each refused attempt kept its socket open: the daemon's connections ran out.
      const status = (await (await good.client()).call("status")) as { connections: number };
      assert.equal(status.connections, 1);
    } finally {
      c.dispose();
      good.dispose();
      await daemon.stop();
    }
  });

  test("after the daemon exited, a request starts it even while the reconnect loop runs", async () => {
    // The loop only reconnects; a keystroke joined its attempt and never started the daemon
    // that had exited when idle.
    const daemon = await startFakeDaemon(RULES);
    const calls = join(daemon.home, "calls.log");
    const command = join(daemon.home, "codesaga-command");
    writeFileSync(
      command,
      `#!/bin/sh\necho "$*" >> "${calls}"\n` +
        `if [ "$2" = start ]; then echo "start failed" >&2; exit 1; fi\n` +
        `sleep 0.2; echo '{"running": false}'\n`,
    );
    chmodSync(command, 0o755);
    const c = connection(daemon.env, { command, autoStart: true, backoff: { first: 50, max: 50 } });
    try {
      await c.client();
      await daemon.stop();
      // The loop's attempt asks `daemon status` (which takes 0.2 s here): a request now joins it.
      const reconnecting = () => existsSync(calls) && /daemon status/.test(readFileSync(calls, "utf8"));
      for (let waited = 0; !reconnecting() && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
      await assert.rejects(c.client(), /start failed/);
      assert.match(readFileSync(calls, "utf8"), /^daemon start$/m);
    } finally {
      c.dispose();
    }
  });

  test("a daemon that was killed left its address: the next request starts one", async () => {
    // Nothing listened at the address in websocket.json, and since a file was there the
    // extension never ran `daemon start`: every feature failed until the user did.
    const daemon = await startFakeDaemon(RULES);
    const { command, calls } = scriptedCommand(daemon.home);
    const c = connection(daemon.env, { command, autoStart: true });
    try {
      daemon.process.kill("SIGKILL");
      await new Promise((r) => daemon.process.once("exit", r));
      await assert.rejects(c.client(), /start failed/);
      assert.match(readFileSync(calls, "utf8"), /^daemon start$/m);
    } finally {
      c.dispose();
    }
  });

  test("a killed daemon's port taken by another process: it gets nothing, a daemon is started", async () => {
    const daemon = await startFakeDaemon(RULES);
    const { command, calls } = scriptedCommand(daemon.home);
    const c = connection(daemon.env, { command, autoStart: true });
    const port = Number(new URL(daemon.url).port);
    daemon.process.kill("SIGKILL");
    await new Promise((r) => daemon.process.once("exit", r));
    const impostor = new WebSocketServer({ host: "127.0.0.1", port });
    await new Promise((resolve) => impostor.once("listening", resolve));
    const heard: string[] = [];
    impostor.on("connection", (socket) => socket.on("message", () => heard.push("a frame")));
    try {
      await assert.rejects(c.client(), /start failed/);
      assert.match(readFileSync(calls, "utf8"), /^daemon start$/m);
      assert.deepEqual(heard, []);
    } finally {
      c.dispose();
      impostor.close();
    }
  });

  test("after the daemon exited when idle, the background loop stops asking", async () => {
    // It ran `codesaga daemon status` every 30 s in every window for as long as the daemon
    // stayed down.
    const daemon = await startFakeDaemon(RULES);
    const { command, calls } = scriptedCommand(daemon.home, false);
    const c = connection(daemon.env, { command, backoff: { first: 20, max: 20 } });
    try {
      await c.client();
      await daemon.stop();
      await new Promise((r) => setTimeout(r, 1500));
      const log = existsSync(calls) ? readFileSync(calls, "utf8") : ""; // none: its tries found the port closed
      const asked = log.split("\n").filter((l) => l.includes("status"));
      assert.ok(asked.length <= 4, `asked ${asked.length} times`);
    } finally {
      c.dispose();
    }
  });

  test("a daemon that exited on its own leaves the connection idle: no failure, no flicker", async () => {
    // Its idle exit turned into "failed: the CodeSaga daemon is not running" (a red status
    // item), going through "connecting" at each of the reconnect's tries.
    const daemon = await startFakeDaemon(RULES);
    const { command } = scriptedCommand(daemon.home, false);
    const c = connection(daemon.env, { command, autoStart: true, backoff: { first: 20, max: 40 } });
    try {
      await c.client();
      const states: string[] = [];
      c.onState((state) => states.push(state.kind));
      await daemon.stop();
      await new Promise((r) => setTimeout(r, 1000));
      assert.deepEqual([...new Set(states)], ["disconnected", "idle"]);
      assert.equal(c.state.kind, "idle");
    } finally {
      c.dispose();
    }
  });

  test("a daemon restarted mid-session: the connection comes back by itself", async () => {
    const first = await startFakeDaemon(RULES);
    const c = connection(first.env);
    try {
      const before = await c.client();
      const states: string[] = [];
      c.onState((state) => states.push(state.kind));
      await first.stop();
      // It noticed, and keeps trying (for a while) while no daemon runs.
      await until(c, "idle");
      assert.ok(before.closed);
      assert.equal(states[0], "disconnected");
      // A new daemon in the same place: another port, another token.
      const second = await startFakeDaemon(RULES, { home: first.home });
      try {
        assert.notEqual(second.token, first.token);
        await until(c, "connected");
        const client = await c.client();
        assert.notEqual(client, before);
        const result = (await client.call("complete", { prefix: "def add(a, b):\n    return ", suffix: "\n", label: "calc.py" })) as { text: string };
        assert.equal(result.text, "a + b");
      } finally {
        await second.stop();
      }
    } finally {
      c.dispose();
    }
  });

  test("the next request after a restart reconnects even without the retry loop", async () => {
    const first = await startFakeDaemon(RULES);
    const c = connection(first.env, { backoff: { first: 60_000, max: 60_000 } });
    try {
      await c.client();
      await first.stop();
      await until(c, "disconnected");
      const second = await startFakeDaemon(RULES, { home: first.home });
      try {
        const client = await c.client();
        assert.equal(((await client.call("status")) as { pid: number }).pid, second.process.pid);
      } finally {
        await second.stop();
      }
    } finally {
      c.dispose();
    }
  });

  test("Start clicked while a request connects starts one daemon, with one connection", async () => {
    const daemon = await startFakeDaemon(RULES);
    const home = tempHome(); // where no daemon runs: the command says where it does
    const calls = join(home, "calls.log");
    const started = join(home, "started");
    const command = join(home, "codesaga-command");
    const running = JSON.stringify({ running: true, websocket_url: daemon.url, token_file: join(daemon.home, "run", "token") });
    writeFileSync(
      command,
      `#!/bin/sh\necho "$*" >> "${calls}"\n` +
        `if [ "$2" = start ]; then sleep 0.3; touch "${started}"; exit 0; fi\n` +
        `if [ -e "${started}" ]; then echo '${running}'; else echo '{"running": false}'; fi\n`,
    );
    chmodSync(command, 0o755);
    const c = connection(isolatedEnv(home), { command, autoStart: true });
    try {
      const [clicked, asked] = await Promise.all([c.start(), c.client()]);
      assert.equal(clicked, asked);
      assert.equal(readFileSync(calls, "utf8").match(/^daemon start$/gm)?.length, 1);
      const status = (await clicked.call("status")) as { connections: number };
      assert.equal(status.connections, 1);
    } finally {
      c.dispose();
      await daemon.stop();
    }
  });

  test("the codesaga command is read at each use: a corrected setting works at once", async () => {
    let command = "/nonexistent/bin/codesaga";
    const home = tempHome();
    const c = connection(isolatedEnv(home), { command: () => command });
    try {
      await assert.rejects(c.client(), /was not found/);
      // The user fixes codesaga.daemonCommand; the next attempt asks the corrected command
      // (`daemon status --json`: none runs in this home).
      command = COMMAND;
      await assert.rejects(c.client(), /not running/);
    } finally {
      c.dispose();
    }
  });

  test("Restart, again and again, connects to a new daemon each time", async () => {
    const c = connection(isolatedEnv(tempHome()), { autoStart: true });
    try {
      let pid = 0;
      for (let i = 0; i < 3; i++) {
        if (i) await c.stop();
        const client = await c.start();
        const status = (await client.call("status")) as { pid: number };
        assert.notEqual(status.pid, pid);
        pid = status.pid;
      }
    } finally {
      await c.stop();
      c.dispose();
    }
  });

  test("a call a stopping daemon refused untouched is asked again of the next one, once", async () => {
    // A chat message sent as the daemon exited when idle failed with "the daemon is
    // stopping", and was in no session.
    const daemon = await startFakeDaemon([["hello", "hi there"]]);
    const next = await DaemonClient.connect(daemon.url, daemon.token, "0.0.1");
    const asked: string[] = [];
    function stopping(): Asked {
      const listeners: Array<(error: Error) => void> = [];
      let gone = false;
      return {
        get closed() {
          return gone;
        },
        onClose: (listener) => listeners.push(listener),
        call: (method) => {
          asked.push(method);
          setTimeout(() => {
            gone = true;
            for (const listener of listeners) listener(new Error("gone"));
          }, 100);
          return Promise.reject(new RpcError(Code.stopping, "the daemon is stopping; send it again"));
        },
      };
    }
    try {
      const clients: Asked[] = [stopping(), next];
      const started = Date.now();
      const message = { messages: [{ role: "user", content: "hello" }] };
      const answer = (await askAgainOnceStopped(async () => clients.shift()!, "chat", message)) as { text: string };
      assert.equal(answer.text, "hi there");
      assert.ok(Date.now() - started >= 90, "asked again once the stopping daemon had gone");
      // Once only; and what a daemon took (cancelled, failed) is never asked again.
      const twice = [stopping(), stopping()];
      await assert.rejects(
        askAgainOnceStopped(async () => twice.shift()!, "chat", message),
        (error: unknown) => error instanceof RpcError && error.notTaken,
      );
      const cancelled: Asked = { closed: false, onClose: () => undefined, call: () => Promise.reject(new RpcError(Code.cancelled, "cancelled")) };
      await assert.rejects(askAgainOnceStopped(async () => cancelled, "chat", message), /cancelled/);
      assert.deepEqual(asked, ["chat", "chat", "chat"]);
    } finally {
      next.close();
      await daemon.stop();
    }
  });
});
