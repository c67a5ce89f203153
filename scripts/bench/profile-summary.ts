// Summarises a V8 .cpuprofile (node --cpu-prof) for the bench: where the server's CPU went,
// by package / Roost source, and the hottest functions by self time and by inclusive time.
//   tsx scripts/bench/profile-summary.ts <file.cpuprofile>
import fs from "node:fs";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A frame's owner: an npm package, a Roost file, node internals, or a V8 pseudo-frame. */
export function category(url: string, functionName: string): string {
  if (!url) return `(${functionName || "native"})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith("node:")) return url;
  if (url.includes("/build/server/")) return "roost build/server (app code)";
  const local = /\/work\/[^/]+\/(.*)$/.exec(url) ?? /([^/]+\/[^/]+)$/.exec(url);
  return local ? local[1] : url;
}

export function summariseProfile(file: string, top = 15): string {
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((sum, value) => sum + value, 0);
  const idleIds = new Set(profile.nodes.filter((node) => node.callFrame.functionName === "(idle)").map((node) => node.id));
  const idle = [...idleIds].reduce((sum, id) => sum + (self.get(id) ?? 0), 0);
  const busy = total - idle;

  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, micros] of self) {
    if (idleIds.has(id)) continue;
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const cat = category(url, functionName);
    byCategory.set(cat, (byCategory.get(cat) ?? 0) + micros);
    const key = `${functionName || "(anonymous)"} ${cat}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
    // Inclusive time per function, counted once per sample stack.
    const seen = new Set<string>();
    for (let cursor: number | undefined = id; cursor !== undefined; cursor = parent.get(cursor)) {
      const frame = byId.get(cursor)!.callFrame;
      const name = `${frame.functionName || "(anonymous)"} ${category(frame.url, frame.functionName)}:${frame.lineNumber + 1}`;
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + micros);
    }
  }
  const pct = (micros: number) => `${((100 * micros) / Math.max(1, busy)).toFixed(1).padStart(5)}%`;
  const rows = (map: Map<string, number>, n: number) =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, micros]) => `  ${pct(micros)}  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${name}`);
  return [
    `busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms profiled (idle ${((100 * idle) / Math.max(1, total)).toFixed(0)}%); shares below are of busy time`,
    "self time by owner:",
    ...rows(byCategory, top),
    "self time by function:",
    ...rows(byFunction, top),
    "inclusive time by function:",
    ...rows(inclusive, top + 10),
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const file of process.argv.slice(2)) console.log(`${file}\n${summariseProfile(file)}\n`);
}
