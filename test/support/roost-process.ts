import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

// Real Roost worker processes for the multi-process tests (test/scale): scripts/roost-worker.ts
// run from the sources (tsx), each with its own environment and database connections, so two
// of them contend for the inbox, the job queue and the members' rows exactly as deployed ones do.

const ENTRY = path.resolve(import.meta.dirname, "../../scripts/roost-worker.ts");

export interface RoostProcess {
  /** The test's name for it ("a", "b"). */
  name: string;
  pid: number;
  /** What it writes in `lockedBy` on the rows it claims. */
  owner: string;
  child: ChildProcess;
  /** What it printed (stdout and stderr), for a failure's message. */
  output(): string;
  /** SIGTERM: the runs in progress finish, then it exits. */
  stop(): Promise<void>;
  /** SIGKILL: it dies where it stands, holding whatever leases it holds. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: frozen where it stands (its connections stay open), then running again. */
  pause(): void;
  resume(): void;
}

export interface RoostProcessOptions {
  name: string;
  databaseUrl: string;
  /**
   * The runner's tick (ROOST_JOBS_POLL_MS, default here 250): short, so work a dead process left
   * is taken soon after its lease lapses, but not so short that idle ticks take the CPU the
   * other processes need (an idle worker at 100 ms used about 5% of a core here).
   */
  pollMs?: number;
  env?: Record<string, string>;
}

const running = new Set<RoostProcess>();

/** Starts a worker process and resolves once its runner has started. */
export function startRoostProcess(options: RoostProcessOptions): Promise<RoostProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", ENTRY], {
    cwd: path.resolve(import.meta.dirname, "../.."),
    env: {
      ...process.env,
      NODE_ENV: "test",
      LOG_LEVEL: "error",
      DATABASE_URL: options.databaseUrl,
      ROOST_JOBS_POLL_MS: String(options.pollMs ?? 250),
      // The store-facing queues call Shopify's Admin API, which a child process cannot reach
      // (the fake Admin lives in the test's process): the inbox and the database-only queues run.
      ROOST_SYNC_JOBS: "off",
      ROOST_PROCESS_NAME: options.name,
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return new Promise((resolve, reject) => {
    let ready = false;
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (ready) return;
      const line = output.split("\n").find((text) => text.startsWith('{"ready":true'));
      if (!line) return;
      ready = true;
      const { owner } = JSON.parse(line) as { owner: string };
      const handle: RoostProcess = {
        name: options.name,
        pid: child.pid!,
        owner,
        child,
        output: () => output,
        async stop() {
          running.delete(handle);
          if (!gone()) child.kill("SIGTERM");
          await exited;
        },
        async kill() {
          running.delete(handle);
          if (!gone()) child.kill("SIGKILL");
          await exited;
        },
        pause: () => void child.kill("SIGSTOP"),
        resume: () => void child.kill("SIGCONT"),
      };
      running.add(handle);
      resolve(handle);
    });
    child.once("exit", (code, signal) => {
      if (!ready) reject(new Error(`Roost process ${options.name} exited (${signal ?? code}) before it was ready:\n${output}`));
    });
  });
}

/** Kills every process still running (a test's afterEach). */
export async function killRoostProcesses(): Promise<void> {
  await Promise.all([...running].map((roost) => roost.kill()));
}

/** Reads until `done` holds for what was read, every `intervalMs`; throws with the last value at the deadline. */
export async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  options: { timeoutMs: number; intervalMs?: number; what: string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}
