/**
 * The Reflect metadata calls `@peculiar/x509` needs at load time.
 *
 * `@peculiar/x509` registers its algorithm providers through tsyringe, which
 * refuses to load unless `Reflect.getMetadata` exists; the library's README
 * asks the application to import a polyfill (`reflect-metadata`) first. That
 * package is not a dependency of vinfer, so this module installs the three
 * functions tsyringe calls (`defineMetadata`, `getOwnMetadata`, `getMetadata`)
 * when, and only when, no polyfill is present. Replace it with
 * `import "reflect-metadata"` once that package is a dependency.
 *
 * Imported for its side effect, before `@peculiar/x509` (see `x509.ts`).
 */
type MetadataKey = unknown;

interface ReflectMetadata {
  defineMetadata?: (key: MetadataKey, value: unknown, target: object) => void;
  getOwnMetadata?: (key: MetadataKey, target: object) => unknown;
  getMetadata?: (key: MetadataKey, target: object) => unknown;
}

const reflect = Reflect as unknown as ReflectMetadata;

if (typeof reflect.getMetadata !== "function") {
  const store = new WeakMap<object, Map<MetadataKey, unknown>>();
  reflect.defineMetadata = (key, value, target) => {
    let own = store.get(target);
    if (!own) store.set(target, (own = new Map()));
    own.set(key, value);
  };
  reflect.getOwnMetadata = (key, target) => store.get(target)?.get(key);
  reflect.getMetadata = (key, target) => {
    for (let o: object | null = target; o !== null; o = Object.getPrototypeOf(o) as object | null) {
      const own = store.get(o);
      if (own?.has(key)) return own.get(key);
    }
    return undefined;
  };
}

export {};
