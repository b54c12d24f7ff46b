import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { type AddressInfo } from "node:net";
import { WebSocketServer } from "ws";

import {
  Code,
  DaemonClient,
  daemonProof,
  HandshakeError,
  NotTheDaemonError,
  PROOF_HEADER,
  PROTOCOL_VERSION,
  RpcError,
} from "../src/protocol";
import { type FakeDaemon, startFakeDaemon } from "./daemon";

describe("the protocol client against a real daemon", () => {
  let daemon: FakeDaemon;
  before(async () => {
    daemon = await startFakeDaemon([
      ["    return", " a + b"],
      ["slowly", "one two three four five six seven eight nine ten"],
      ["stream this", "alpha beta gamma"],
    ]);
  });
  after(() => daemon.stop());

  test("initialize tells the daemon's version and models", async () => {
    const client = await DaemonClient.connect(daemon.url, daemon.token, "0.0.1");
    assert.equal(client.server?.protocolVersion, PROTOCOL_VERSION);
    assert.ok(client.server?.capabilities.methods.includes("complete"));
    client.close();
  });

  test("a wrong token is refused at the handshake", async () => {
    await assert.rejects(DaemonClient.connect(daemon.url, "not-the-token", "0.0.1"), (error: unknown) => {
      assert.ok(error instanceof HandshakeError);
      assert.equal(error.status, 401);
      return true;
    });
  });

  test("what took a dead daemon's port gets nothing: not the token, nor a proof it could make", async () => {
    // websocket.json outlives a killed daemon, and any local process may take its port next:
    // the editor sent it the token (Bearer), and with the token it could make any proof.
    const impostor = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    const seen: string[] = [];
    impostor.on("headers", (headers, request) => {
      const shown = String(request.headers.authorization ?? "");
      seen.push(shown);
      // Its best forgeries: the client's own MAC, and a proof made with it as the key.
      const [nonce = "", clientMac = ""] = shown.replace(/^CodeSaga /, "").split(".");
      headers.push(`${PROOF_HEADER}: ${seen.length === 1 ? clientMac : daemonProof(clientMac, nonce)}`);
    });
    await new Promise((resolve) => impostor.once("listening", resolve));
    const heard: string[] = [];
    impostor.on("connection", (socket) => socket.on("message", () => heard.push("a frame")));
    const url = `ws://127.0.0.1:${(impostor.address() as AddressInfo).port}`;
    try {
      for (let i = 0; i < 2; i++) {
        await assert.rejects(DaemonClient.connect(url, daemon.token, "0.0.1"), NotTheDaemonError);
      }
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(heard, []);
      assert.equal(seen.length, 2);
      for (const shown of seen) assert.ok(shown.startsWith("CodeSaga ") && !shown.includes(daemon.token), shown);
    } finally {
      impostor.close();
    }
  });

  test("a daemon that takes the connection and never answers is an error, not a hang", async () => {
    const stuck = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    stuck.on("headers", (headers, request) => {
      // It proves the token (a daemon of ours, stuck): the wait for its answer is what is tested.
      const nonce = String(request.headers.authorization ?? "").replace(/^CodeSaga /, "").split(".")[0] ?? "";
      headers.push(`${PROOF_HEADER}: ${daemonProof("token", nonce)}`);
    });
    await new Promise((resolve) => stuck.once("listening", resolve));
    const connected = new Promise<void>((resolve) => stuck.once("connection", () => resolve()));
    const url = `ws://127.0.0.1:${(stuck.address() as AddressInfo).port}`;
    try {
      await assert.rejects(DaemonClient.connect(url, "token", "0.0.1", PROTOCOL_VERSION, 300), (error: unknown) => {
        assert.ok(error instanceof RpcError);
        assert.equal(error.code, Code.disconnected);
        assert.match(error.message, /did not answer within 0.3 s/);
        return true;
      });
      await connected;
      // The client closed its side: nothing is left waiting on the stuck daemon.
      await new Promise<void>((resolve) => {
        const [socket] = stuck.clients;
        if (socket === undefined) resolve();
        else socket.once("close", () => resolve());
      });
    } finally {
      stuck.close();
    }
  });

  test("another protocol version is a version mismatch", async () => {
    await assert.rejects(DaemonClient.connect(daemon.url, daemon.token, "0.0.1", 99), (error: unknown) => {
      assert.ok(error instanceof RpcError);
      assert.equal(error.code, Code.versionMismatch);
      return true;
    });
  });

  test("complete answers through the daemon's completer", async () => {
    const client = await DaemonClient.connect(daemon.url, daemon.token, "0.0.1");
    const result = (await client.call("complete", {
      prefix: "def add(a, b):\n    return ",
      suffix: "\n",
      label: "calc.py",
    })) as { text: string; source: string };
    assert.equal(result.text, "a + b");
    assert.equal(result.source, "model");
    client.close();
  });

  test("streamed deltas add up to the answer", async () => {
    const client = await DaemonClient.connect(daemon.url, daemon.token, "0.0.1");
    const deltas: string[] = [];
    const result = (await client.call(
      "chat",
      { messages: [{ role: "user", content: "stream this" }] },
      { onDelta: (text) => deltas.push(text) },
    )) as { text: string };
    assert.ok(deltas.length >= 2);
    assert.equal(deltas.join(""), result.text);
    assert.equal(result.text, "alpha beta gamma");
    client.close();
  });

  test("aborting sends $/cancel and the request ends cancelled", async () => {
    const slow = await startFakeDaemon([["slowly", "one two three four five six seven eight nine ten"]], { delay: 0.3 });
    try {
      const client = await DaemonClient.connect(slow.url, slow.token, "0.0.1");
      const abort = new AbortController();
      const started = Date.now();
      const answer = client.call("chat", { messages: [{ role: "user", content: "slowly" }] }, { signal: abort.signal, onDelta: () => abort.abort() });
      await assert.rejects(answer, (error: unknown) => error instanceof RpcError && error.cancelled);
      assert.ok(Date.now() - started < 2500, "cancelled within a few tokens");
      const journal = (await client.call("requests/list", { limit: 1 })) as { requests: Array<{ status: string }> };
      assert.equal(journal.requests[0].status, "cancelled");
      client.close();
    } finally {
      await slow.stop();
    }
  });

  test("a daemon that goes away fails the pending calls", async () => {
    const doomed = await startFakeDaemon([["slowly", "one two three four five six seven eight nine ten"]], { delay: 0.5 });
    const client = await DaemonClient.connect(doomed.url, doomed.token, "0.0.1");
    const answer = client.call("chat", { messages: [{ role: "user", content: "slowly" }] });
    // Taken, it fails with the connection; come as the daemon stops, it is refused untouched
    // ("stopping": nothing of it done). Either way it fails, and nothing hangs.
    const failed = assert.rejects(
      answer,
      (error: unknown) => error instanceof RpcError && (error.code === Code.disconnected || error.notTaken),
    );
    await doomed.stop();
    await failed;
    assert.ok(client.closed);
  });
});
