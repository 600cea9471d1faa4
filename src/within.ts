// Waiting with a limit: a promise's value, or a marker once the limit has passed.

/** `p`'s value, or `late` if it has not settled within `ms`; the timer does not outlive the wait. */
export async function within<T, L>(p: Promise<T>, ms: number, late: L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  const overdue = new Promise<L>((resolve) => (timer = setTimeout(() => resolve(late), ms)));
  try {
    return await Promise.race([p, overdue]);
  } finally {
    clearTimeout(timer);
  }
}
