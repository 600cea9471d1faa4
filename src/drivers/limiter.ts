// At most `max` calls at once, the rest waiting their turn: a burst of a thousand vnfs does not
// flood a VIM's APIs. Each driver has one, sized by its operator.

export function makeLimiter(max: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  const limit = async function limit<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (running >= max) {
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal?.removeEventListener('abort', abort);
          resolve();
        };
        const abort = () => {
          const i = waiting.indexOf(go);
          if (i >= 0) waiting.splice(i, 1);
          reject(signal!.reason);
        };
        waiting.push(go);
        signal?.addEventListener('abort', abort, { once: true });
      });
    }
    running++;
    try {
      return await fn();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
  /** Calls running now, and the most allowed at once. */
  limit.load = () => ({ running, limit: max });
  return limit;
}
