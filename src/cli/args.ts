// Parsers of command-line values: a value that cannot be what it names is bad usage (exit 2).
import { InvalidArgumentError } from 'commander';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id: checked here so that nothing but a UUID is ever put in a URL's path. */
export function parseId(value: string): string {
  if (!UUID.test(value)) throw new InvalidArgumentError(`"${value}" is not an id (a UUID such as 0192f1c4-…)`);
  return value.toLowerCase();
}

export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('a whole number, 1 or more');
  return Number(value);
}

/** A repeatable option: each use adds its parsed value. */
export const repeatable =
  <T>(parse: (v: string) => T) =>
  (value: string, previous: T[] = []): T[] => [...previous, parse(value)];
