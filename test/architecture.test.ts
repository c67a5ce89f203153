import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// The import graph of app/ (type-only imports included: they still tie two modules together),
// read with the compiler's own pre-processor. Fails on any import cycle, and on a service that
// looks up process state (app/runtime.server.ts or `globalThis.`): services take their dependencies.

const ROOT = path.resolve(__dirname, "..");
const APP = path.join(ROOT, "app");
const SOURCE = /\.(ts|tsx|mjs|js)$/;
const RESOLVE_SUFFIXES = ["", ".ts", ".tsx", ".mjs", ".js", "/index.ts", "/index.tsx"];

/**
 * Allow-list of import edges that close a known cycle, each written `from → to`, to be deleted
 * once its cycle is broken. It only shrinks: a new cycle fails, and so does an entry no longer
 * needed. Empty: the last one, "app/services/sync/backfill.server.ts → app/services/webhooks/topics.server.ts"
 * (a type-only import), went with the signal seam (issue 9).
 */
const KNOWN_CYCLE_EDGES: string[] = [];

/**
 * Allow-list of services that read process state, as the test prints them ("<file> reads
 * globalThis.", "<file> imports app/runtime.server.ts"); it only shrinks, like the one above.
 * Empty: ledger/jobs.server.ts and sync/runtime.server.ts went with the job runner (issue 9).
 */
const KNOWN_PROCESS_LOOKUPS: string[] = [];

/**
 * Modules whose writes make a store signal's effects: the mirror's upserts and the ledger's
 * settling of a stored order. Only app/services/signals/ may call them (types may be read anywhere).
 */
const SIGNAL_WRITERS = ["app/services/mirror/mirror.server.ts", "app/services/ledger/settle.server.ts"];
const SIGNALS = "app/services/signals/";

const relative = (file: string) => path.relative(ROOT, file).split(path.sep).join("/");

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return SOURCE.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

function resolveImport(from: string, specifier: string): string | null {
  if (!specifier.startsWith("./") && !specifier.startsWith("../")) return null;
  // Vite's asset imports ("./analytics.css?url") name a file with a query after it.
  const base = path.resolve(path.dirname(from), specifier.replace(/\?[a-z]+$/, ""));
  for (const suffix of RESOLVE_SUFFIXES) {
    const candidate = base + suffix;
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return null;
}

interface Graph {
  files: string[];
  edges: Map<string, string[]>;
  unresolved: string[];
  text: Map<string, string>;
}

function importGraph(): Graph {
  const files = sourceFiles(APP).map(relative).sort();
  const edges = new Map<string, string[]>();
  const unresolved: string[] = [];
  const text = new Map<string, string>();
  for (const file of files) {
    const source = fs.readFileSync(path.join(ROOT, file), "utf8");
    text.set(file, source);
    const { importedFiles } = ts.preProcessFile(source, true, true);
    const targets = new Set<string>();
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith("./") && !fileName.startsWith("../")) continue;
      const target = resolveImport(path.join(ROOT, file), fileName);
      if (target) targets.add(relative(target));
      else unresolved.push(`${file}: ${fileName}`);
    }
    edges.set(file, [...targets].sort());
  }
  return { files, edges, unresolved, text };
}

/** Strongly connected components with more than one file, or a file that imports itself (Tarjan). */
function cyclicComponents(files: string[], edges: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (file: string) => {
    indices.set(file, index);
    low.set(file, index);
    index += 1;
    stack.push(file);
    onStack.add(file);
    for (const next of edges.get(file) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, indices.get(next)!));
      }
    }
    if (low.get(file) === indices.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || (edges.get(file) ?? []).includes(file)) components.push(component.sort());
    }
  };
  for (const file of files) if (!indices.has(file)) visit(file);
  return components;
}

/** One shortest cycle through a component's first file, as `a → b → … → a`. */
function cycleThrough(component: string[], edges: Map<string, string[]>): string {
  const members = new Set(component);
  const start = component[0];
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const next of edges.get(file) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const cycle = [start];
        for (let at = file; at !== start; at = previous.get(at)!) cycle.unshift(at);
        cycle.unshift(start);
        return cycle.join(" → ");
      }
      if (!previous.has(next)) {
        previous.set(next, file);
        queue.push(next);
      }
    }
  }
  return component.join(", ");
}

const edgeKey = (from: string, to: string) => `${from} → ${to}`;

function withoutEdges(edges: Map<string, string[]>, removed: Set<string>): Map<string, string[]> {
  return new Map([...edges].map(([from, targets]) => [from, targets.filter((to) => !removed.has(edgeKey(from, to)))]));
}

/** The relative modules a file imports for their values (not `import type`, not `{ type X }`). */
function valueImports(file: string, source: string): string[] {
  const parsed = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, false);
  const targets: string[] = [];
  for (const statement of parsed.statements) {
    let specifier: ts.Expression | undefined;
    let typeOnly = false;
    if (ts.isImportDeclaration(statement)) {
      specifier = statement.moduleSpecifier;
      const clause = statement.importClause;
      const named = clause?.namedBindings;
      typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((element) => element.isTypeOnly)));
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier) {
      specifier = statement.moduleSpecifier;
      typeOnly = statement.isTypeOnly;
    }
    if (!specifier || !ts.isStringLiteral(specifier) || typeOnly) continue;
    const target = resolveImport(path.join(ROOT, file), specifier.text);
    if (target) targets.push(relative(target));
  }
  return targets;
}

const graph = importGraph();

describe("app/ architecture", () => {
  it("reads the whole of app/ and resolves every relative import", () => {
    expect(graph.files.length).toBeGreaterThan(50);
    expect(graph.unresolved).toEqual([]);
  });

  it("has no import cycles (type-only imports included)", () => {
    const cycles = cyclicComponents(graph.files, withoutEdges(graph.edges, new Set(KNOWN_CYCLE_EDGES)));
    const described = cycles.map((component) => cycleThrough(component, graph.edges));
    expect(described, `import cycles in app/:\n${described.join("\n")}`).toEqual([]);
  });

  it("allow-lists only cycles that still exist", () => {
    const all = cyclicComponents(graph.files, graph.edges);
    const stale = KNOWN_CYCLE_EDGES.filter((edge) => {
      const [from, to] = edge.split(" → ");
      // Still needed while the edge exists and both its ends sit in one cycle.
      return !(graph.edges.get(from) ?? []).includes(to) || !all.some((component) => component.includes(from) && component.includes(to));
    });
    expect(stale, "these cycles are gone: delete them from KNOWN_CYCLE_EDGES").toEqual([]);
  });

  it("only app/services/signals/ writes the mirror or settles the ledger", () => {
    const callers = graph.files
      .filter((file) => !file.startsWith(SIGNALS) && !SIGNAL_WRITERS.includes(file))
      .flatMap((file) => valueImports(file, graph.text.get(file)!).filter((target) => SIGNAL_WRITERS.includes(target)).map((target) => `${file} imports ${target}`));
    expect(callers).toEqual([]);
    // The rule sees value imports: the seam itself imports both.
    const seam = graph.files.filter((file) => file.startsWith(SIGNALS)).flatMap((file) => valueImports(file, graph.text.get(file)!));
    expect(seam).toEqual(expect.arrayContaining(SIGNAL_WRITERS));
  });

  it("services never look up process state (app/runtime.server.ts, globalThis)", () => {
    const lookups = graph.files
      .filter((file) => file.startsWith("app/services/"))
      .flatMap((file) => [
        ...((graph.edges.get(file) ?? []).includes("app/runtime.server.ts") ? [`${file} imports app/runtime.server.ts`] : []),
        ...(/\bglobalThis\./.test(graph.text.get(file)!) ? [`${file} reads globalThis.`] : []),
      ]);
    expect(lookups.filter((lookup) => !KNOWN_PROCESS_LOOKUPS.includes(lookup))).toEqual([]);
    expect(KNOWN_PROCESS_LOOKUPS.filter((lookup) => !lookups.includes(lookup)), "these are gone: delete them from KNOWN_PROCESS_LOOKUPS").toEqual([]);
  });
});
