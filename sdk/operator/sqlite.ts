/**
 * The operator's and the watcher's SQLite databases (node:sqlite: built into
 * Node 22, nothing native to compile).
 */
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import type { DatabaseSync } from "node:sqlite";

/**
 * node:sqlite, loaded without its one-off "experimental" warning: the API
 * used here (DatabaseSync, prepare, exec) is stable in practice and the
 * warning would otherwise top every operator log and test run.
 */
function loadSqlite(): typeof import("node:sqlite") {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(warning).includes("SQLite is an experimental feature")) return;
    (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return createRequire(import.meta.url)("node:sqlite") as typeof import("node:sqlite");
  } finally {
    process.emitWarning = emit;
  }
}

/**
 * Opens (creating it and its folder if needed) the database at `path`
 * (":memory:" for a throwaway one). WAL + FULL: a committed state change
 * survives a crash of the process or the machine.
 */
export function openDatabase(path: string): DatabaseSync {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new (loadSqlite().DatabaseSync)(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;");
  return db;
}
