/** Small async building blocks shared by the SDK's long-running parts. */

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A queue that runs the functions given to it one after another, in call
 * order, whatever each one's outcome: for resources that must not be used by
 * two async calls at once (a wasm witness calculator, one account's nonces).
 */
export function serialQueue(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}
