// Real daemons for the tests: tests/fake_daemon.py (the real daemon with a scripted engine)
// or the installed `codesaga` command with the real model.

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { writeFileSync } from "node:fs";

export const REPO = resolve(__dirname, "..", "..", "..");
export const PYTHON = process.env.CODESAGA_PYTHON || "python3";
/** The `codesaga` command: scripts/dev.py sets it to the project's virtualenv. */
export const COMMAND = process.env.CODESAGA_COMMAND || `${PYTHON} -m codesaga`;

/** An environment whose daemon lives in ``home`` (never the user's own daemon). */
export function isolatedEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("CODESAGA_") && key !== "XDG_RUNTIME_DIR") env[key] = value;
  }
  return { ...env, CODESAGA_HOME: home, CODESAGA_IDLE_TIMEOUT: "300", ...extra };
}

const homes: string[] = [];
// The test run's homes go with it (each test's daemon has stopped by then).
process.once("exit", () => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

export function tempHome(prefix = "codesaga-ext-"): string {
  const home = mkdtempSync(join(tmpdir(), prefix));
  homes.push(home);
  return home;
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface FakeDaemon {
  home: string;
  env: NodeJS.ProcessEnv;
  url: string;
  token: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Start tests/fake_daemon.py in ``home``; resolves once its WebSocket is listening. */
export async function startFakeDaemon(
  rules: Array<[string, string]>,
  options: { delay?: number; home?: string } = {},
): Promise<FakeDaemon> {
  const home = options.home ?? tempHome();
  const rulesFile = join(home, "rules.json");
  writeFileSync(rulesFile, JSON.stringify({ rules, delay: options.delay ?? 0 }));
  const env = isolatedEnv(home);
  const wsFile = join(home, "run", "websocket.json");
  rmSync(wsFile, { force: true });
  const child = spawn(PYTHON, [join(REPO, "tests", "fake_daemon.py"), rulesFile], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const info = await waitFor("the fake daemon's websocket.json", () => {
    if (child.exitCode !== null) throw new Error(`the fake daemon exited: ${stderr}`);
    if (!existsSync(wsFile)) return undefined;
    try {
      return JSON.parse(readFileSync(wsFile, "utf8")) as { url: string; token_file: string };
    } catch {
      return undefined; // being written
    }
  });
  return {
    home,
    env,
    url: info.url,
    token: readFileSync(info.token_file, "utf8").trim(),
    process: child,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Where `codesaga models pull` puts models for this user (the tests share them). */
export function realModelsDir(): string {
  if (process.env.CODESAGA_MODELS_DIR) return process.env.CODESAGA_MODELS_DIR;
  const data = process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share");
  return join(data, "codesaga", "models");
}
