import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { firstExecutable, pathDirs } from "./binaries";

/**
 * A throwaway redis-server for one test file: its own free loopback port, nothing on disk
 * (`--save "" --appendonly no`), so a restart comes back empty, the way Redis on CI does. The
 * shared Redis on 6379 is never touched.
 */

const findRedisServer = (): string | null =>
  firstExecutable([process.env.REDIS_SERVER_PATH, "/usr/bin/redis-server", ...pathDirs().map((dir) => path.join(dir, "redis-server"))]);

export const REDIS_SERVER = findRedisServer();
/** Redis tests run when redis-server is installed; on CI its absence is a failure, elsewhere a skip. */
export const redisAvailable = REDIS_SERVER !== null || process.env.CI === "true";
export const redisSkipNote = REDIS_SERVER
  ? ""
  : " (SKIPPED: redis-server is not installed; `apt-get install redis-server` or set REDIS_SERVER_PATH)";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface ThrowawayRedis {
  port: number;
  url: string;
  running(): boolean;
  /** Starts (again) on the same port, empty. */
  start(): Promise<void>;
  /** Stops the server (SIGTERM by default; SIGKILL to simulate a crash). Its data is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  if (!REDIS_SERVER) throw new Error("redis-server is not installed (CI=true requires it): apt-get install redis-server");
  const executable = REDIS_SERVER;
  const port = await freePort();
  // Nothing is written (no RDB, no AOF); the working directory only has to exist.
  const dir = os.tmpdir();
  let child: ChildProcess | null = null;

  const start = async () => {
    if (child) return;
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no", "--loglevel", "notice"];
    const spawned = spawn(executable, args, { stdio: ["ignore", "pipe", "pipe"] });
    live.add(spawned);
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start on ${port} within 10 s:\n${output}`)), 10_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      };
      spawned.stdout?.on("data", onData);
      spawned.stderr?.on("data", onData);
      spawned.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      spawned.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code ?? signal}) before it was ready:\n${output}`));
      });
    });
    spawned.once("exit", () => {
      live.delete(spawned);
      if (child === spawned) child = null;
    });
    child = spawned;
  };

  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    const running = child;
    if (!running) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill(signal);
    await exited;
    child = null;
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    running: () => child !== null,
    start,
    async stop(signal) {
      await stop(signal);
    },
  };
}

/** Polls until `check` is true (e.g. a store reconnected), failing after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
