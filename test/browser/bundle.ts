/**
 * Bundles a module for the browser with esbuild (as Vite's dependency
 * optimizer does) and reports every Node built-in module it reaches, with
 * the chain of imports that reaches it. A package's own `browser` field
 * replacing a built-in (protobufjs maps `fs` to nothing) is honoured, as
 * bundlers do.
 */
import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative } from "node:path";

import * as esbuild from "esbuild";

const BUILTINS = new Set(builtinModules);

export interface BuiltinReached {
  /** The built-in as imported (`node:fs`, `assert`, ...). */
  readonly builtin: string;
  /** Entry -> ... -> the importing file (paths relative to the working directory). */
  readonly chain: readonly string[];
}

export interface NodeGlobalUse {
  /** The global (`Buffer`, `process`, `__dirname`, `require`). */
  readonly global: string;
  /** file:line of the use (a project source file, comments skipped). */
  readonly at: string;
  readonly chain: readonly string[];
}

export interface BrowserBundle {
  readonly builtins: BuiltinReached[];
  /** Node-only globals used by the project's own sources in the bundle (dependencies are not scanned). */
  readonly globals: NodeGlobalUse[];
  /** Errors other than reaching built-ins (an unresolvable import, a syntax error). */
  readonly errors: string[];
  readonly bytes: number;
}

/** Bundles `entry` for the browser (ESM, the `browser` export condition) without writing it. */
export async function bundleForBrowser(entry: string): Promise<BrowserBundle> {
  const reached = new Map<string, [importer: string, builtin: string]>(); // by "importer builtin"
  const plugin: esbuild.Plugin = {
    name: "node-builtins",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.startsWith("node:") ? args.path.slice(5) : args.path;
        if (!args.path.startsWith("node:") && !BUILTINS.has(bare)) return undefined;
        // the importing package's `browser` field may replace the built-in (esbuild applies it)
        if (browserReplaces(args.importer, args.path)) return undefined;
        const importer = relative(process.cwd(), args.importer);
        reached.set(`${importer} ${args.path}`, [importer, args.path]);
        return { path: args.path, external: true };
      });
    },
  };
  let result: esbuild.BuildResult<{ metafile: true; write: false }>;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      platform: "browser",
      format: "esm",
      target: "es2022",
      write: false,
      metafile: true,
      logLevel: "silent",
      plugins: [plugin],
    });
  } catch (err) {
    const errors = (err as { errors?: esbuild.Message[] }).errors ?? [];
    return { builtins: [], globals: [], errors: errors.length ? errors.map(messageText) : [String(err)], bytes: 0 };
  }
  // parents by breadth-first search from the entry: the shortest chain to each file
  const inputs = result.metafile.inputs;
  const parent = new Map<string, string | undefined>([[entry, undefined]]);
  for (const queue = [entry]; queue.length > 0;) {
    const file = queue.shift()!;
    for (const i of inputs[file]?.imports ?? []) {
      if (i.external || parent.has(i.path)) continue;
      parent.set(i.path, file);
      queue.push(i.path);
    }
  }
  const chainTo = (file: string) => {
    const chain: string[] = [];
    for (let f: string | undefined = file; f !== undefined; f = parent.get(f)) chain.unshift(f);
    return chain;
  };
  const builtins = [...reached.values()].map(([importer, builtin]) => ({ builtin, chain: chainTo(importer) }));
  const globals = Object.keys(inputs)
    .filter((f) => !f.includes("node_modules/") && /\.[cm]?[jt]s$/.test(f))
    .flatMap((f) => nodeGlobalsIn(f).map((u) => ({ ...u, at: `${f}:${u.line}`, chain: chainTo(f) })));
  return {
    builtins,
    globals,
    errors: result.errors.map(messageText),
    bytes: result.outputFiles.reduce((n, f) => n + f.contents.length, 0),
  };
}

const NODE_GLOBALS = /(?<![\w$.])(Buffer|process|__dirname|__filename|require)(?![\w$])/g;

/** Uses of Node-only globals in a source file, outside comments and strings (a line-based approximation). */
function nodeGlobalsIn(file: string): { global: string; line: number }[] {
  const uses: { global: string; line: number }[] = [];
  let inBlockComment = false;
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((raw, i) => {
      let line = raw;
      if (inBlockComment) {
        const end = line.indexOf("*/");
        if (end < 0) return;
        line = line.slice(end + 2);
        inBlockComment = false;
      }
      line = line.replace(/\/\*.*?\*\//g, "");
      const start = line.indexOf("/*");
      if (start >= 0) {
        line = line.slice(0, start);
        inBlockComment = true;
      }
      line = line
        .replace(/\/\/.*$/, "")
        .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""')
        .replace(/^\s*\*.*$/, "");
      for (const m of line.matchAll(NODE_GLOBALS)) uses.push({ global: m[1]!, line: i + 1 });
    });
  return uses;
}

/** Whether the package.json nearest `importer` has a `browser` field entry for `specifier`. */
function browserReplaces(importer: string, specifier: string): boolean {
  for (let dir = dirname(importer); ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      const json = JSON.parse(readFileSync(pkg, "utf8")) as { name?: string; browser?: unknown };
      // a nested package.json without a name (`{"type": "module"}`) is not the package's own
      if (json.name !== undefined) return typeof json.browser === "object" && json.browser !== null && specifier in json.browser;
    }
    if (dirname(dir) === dir) return false;
  }
}

function messageText(m: esbuild.Message): string {
  return m.location ? `${m.location.file}:${m.location.line}: ${m.text}` : m.text;
}
