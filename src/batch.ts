// Group calls made in the same event-loop turn into one batch call: under load, many
// messages are handled at once and one round trip serves them all; when idle, a batch
// of one costs no waiting.

export type BatchFn<I, O> = (items: I[]) => Promise<O[]>;

export function makeBatcher<I, O>(fn: BatchFn<I, O>, maxBatch = 256): (item: I) => Promise<O> {
  let queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    while (queue.length) {
      const batch = queue.splice(0, maxBatch);
      fn(batch.map((b) => b.item)).then(
        (out) => batch.forEach((b, i) => b.resolve(out[i]!)),
        (err) => batch.forEach((b) => b.reject(err)),
      );
    }
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}
