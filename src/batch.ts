// Group calls into batch calls: under load, many messages are handled at once and one
// round trip serves them all; when idle, a batch of one goes out at once. At most
// `maxInFlight` batch calls run at a time; what arrives meanwhile waits for the next one
// (like a database's group commit), so batches grow with the load instead of the number
// of statements.

export type BatchFn<I, O> = (items: I[]) => Promise<O[]>;

export function makeBatcher<I, O>(
  fn: BatchFn<I, O>,
  opts: { maxBatch?: number; maxInFlight?: number } = {},
): (item: I) => Promise<O> {
  const maxBatch = opts.maxBatch ?? 256;
  const maxInFlight = opts.maxInFlight ?? 2;
  const queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  let scheduled = false;
  let inFlight = 0;

  const flush = () => {
    scheduled = false;
    while (queue.length && inFlight < maxInFlight) {
      const batch = queue.splice(0, maxBatch);
      inFlight++;
      fn(batch.map((b) => b.item))
        .then(
          (out) => batch.forEach((b, i) => b.resolve(out[i]!)),
          (err) => batch.forEach((b) => b.reject(err)),
        )
        .finally(() => {
          inFlight--;
          if (queue.length) schedule();
        });
    }
  };
  const schedule = () => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      schedule();
    });
}
