// How the CLI prints what it read: kubectl-style tables (wide: more columns), JSON or YAML.
import Table from 'cli-table3';
import { Option } from 'commander';
import { stringify } from 'yaml';

export const FORMATS = ['table', 'wide', 'json', 'yaml'] as const;
export type Format = (typeof FORMATS)[number];

/** The -o option every reading command shares. */
export const outputOption = () =>
  new Option('-o, --output <format>', 'how to print it (wide: more columns)').choices(FORMATS).default('table');

/** A column of a table: its heading and its cell; a wide column shows with -o wide only. */
export type Column<T> = { head: string; cell: (row: T) => string; wide?: boolean };

const GAP = 3;
const BARE = {
  chars: Object.fromEntries(
    [
      'top',
      'top-mid',
      'top-left',
      'top-right',
      'bottom',
      'bottom-mid',
      'bottom-left',
      'bottom-right',
      'left',
      'left-mid',
      'mid',
      'mid-mid',
      'right',
      'right-mid',
      'middle',
    ].map((k) => [k, '']),
  ),
  style: { head: [], border: [], 'padding-left': 0, 'padding-right': GAP, compact: true },
};

/**
 * A table printed in parts (a list, then the rows a watch adds): the columns keep the widths
 * they had, growing only when a new cell is wider.
 */
export function makeTablePrinter<T>(columns: Column<T>[], wide: boolean) {
  const cols = columns.filter((c) => wide || !c.wide);
  let widths = cols.map((c) => c.head.length);
  const render = (cells: string[][]) => {
    widths = widths.map((w, i) => Math.max(w, ...cells.map((r) => r[i]!.length)));
    const t = new Table({ ...BARE, colWidths: widths.map((w) => w + GAP), wordWrap: false });
    t.push(...cells);
    return t
      .toString()
      .split('\n')
      .map((l) => l.trimEnd())
      .join('\n');
  };
  return {
    /** The heading and the rows. */
    table: (rows: T[]) => render([cols.map((c) => c.head), ...rows.map((r) => cols.map((c) => c.cell(r)))]) + '\n',
    /** More rows under a table printed before. */
    rows: (rows: T[]) => (rows.length ? render(rows.map((r) => cols.map((c) => c.cell(r)))) + '\n' : ''),
  };
}

export const renderTable = <T>(rows: T[], columns: Column<T>[], wide = false) =>
  makeTablePrinter(columns, wide).table(rows);

/** A value as JSON (indented) or YAML. */
export const renderData = (value: unknown, format: 'json' | 'yaml') =>
  format === 'json' ? JSON.stringify(value, null, 2) + '\n' : stringify(value, { lineWidth: 0 });

/** Print what a reading command read: its rows as a table, or the API's own answer as JSON or YAML. */
export function printResult<T>(
  out: NodeJS.WritableStream,
  format: Format,
  result: { raw: unknown; rows: T[]; columns: Column<T>[] },
): void {
  if (format === 'json' || format === 'yaml') out.write(renderData(result.raw, format));
  else out.write(renderTable(result.rows, result.columns, format === 'wide'));
}

/** How long ago, the way kubectl says it: 42s, 5m, 3h, 2d. */
export function age(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** A cell for a value that may be missing. */
export const cell = (v: unknown): string =>
  v === null || v === undefined || v === '' ? '-' : typeof v === 'string' ? v : JSON.stringify(v);

/** A long text cut to fit a table cell. */
export const clip = (s: string | null | undefined, max = 60): string =>
  !s ? '-' : s.length > max ? `${s.slice(0, max - 1)}…` : s;
