// Reading resources: get (a list or one, then --watch), and watch (transitions as they happen).
import { InvalidArgumentError, type Command } from 'commander';
import { ResourceOut, ResourcePageOut } from '../../api/responses.js';
import { followEvents, StreamRefused, watch } from '../../watch.js';
import { usage } from '../cli-error.js';
import { expect, problemError, type Client } from '../client.js';
import type { Cli } from '../context.js';
import { parseId, positiveInt } from '../args.js';
import { KIND_WORDS, parseKind, RESOURCE_COLUMNS, type Kind } from '../kinds.js';
import { makeTablePrinter, outputOption, renderData, type Format } from '../output.js';

/** The API's largest page. */
const MAX_PAGE = 500;

function pageSize(v: string): number {
  const n = positiveInt(v);
  if (n > MAX_PAGE) throw new InvalidArgumentError(`at most ${MAX_PAGE}`);
  return n;
}

/** Every resource of a kind, page after page (nextCursor), up to `limit`. */
async function listAll(client: Client, kind: Kind, q: { status?: string; limit?: number; chunkSize: number }) {
  const raw: unknown[] = [];
  let cursor: string | undefined;
  do {
    const want = q.limit ? Math.min(q.chunkSize, q.limit - raw.length) : q.chunkSize;
    const answer = await client.call('GET', `/v1/${kind.collection}`, {
      query: { limit: want, cursor, status: q.status },
    });
    const page = expect(ResourcePageOut, answer, kind.collection);
    raw.push(...(answer as { items: unknown[] }).items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && (!q.limit || raw.length < q.limit));
  return raw;
}

type GetOpts = { output: Format; status?: string; watch?: boolean; limit?: number; chunkSize: number };

async function get(cli: Cli, kind: Kind, id: string | undefined, opts: GetOpts): Promise<void> {
  if (id && opts.status) throw usage('--status filters a list: leave it out when naming an id');
  const client = cli.client();
  const raw = id ? [await client.call('GET', `/v1/${kind.collection}/${id}`)] : await listAll(client, kind, opts);
  const rows = raw.map((r) => expect(ResourceOut, r, kind.collection));
  const table = makeTablePrinter(RESOURCE_COLUMNS, opts.output === 'wide');
  const print = (value: unknown, list: ResourceOut[]) => {
    if (opts.output === 'json' || opts.output === 'yaml')
      cli.out.write((opts.output === 'yaml' && opts.watch ? '---\n' : '') + renderData(value, opts.output));
    else cli.out.write(table.table(list));
  };
  print(id ? raw[0] : { items: raw }, rows);
  if (!opts.watch) return;
  await follow(cli, kind, id, opts, rows, (r, value) => {
    if (opts.output === 'json' || opts.output === 'yaml') print(value, [r]);
    else cli.out.write(table.rows([r]));
  });
}

/** After the list, each resource that moves, as it is once it has (like kubectl get -w). */
async function follow(
  cli: Cli,
  kind: Kind,
  id: string | undefined,
  opts: GetOpts,
  listed: ResourceOut[],
  onChange: (r: ResourceOut, raw: unknown) => void,
): Promise<void> {
  const client = cli.client();
  const stateOf = (r: ResourceOut) => `${r.status}|${r.spec}|${r.updatedAt}`;
  const seen = new Map<string, string>(listed.map((r) => [r.id, stateOf(r)]));
  const show = (r: ResourceOut, raw: unknown) => {
    if (seen.get(r.id) === stateOf(r) || (opts.status && r.status !== opts.status)) return;
    seen.set(r.id, stateOf(r));
    onChange(r, raw);
  };
  // what moved between the list and the stream's start is read once the stream is open
  let resynced = false;
  const resync = async () => {
    if (resynced) return;
    resynced = true;
    const raw = id ? [await client.call('GET', `/v1/${kind.collection}/${id}`)] : await listAll(client, kind, opts);
    for (const x of raw) show(expect(ResourceOut, x, kind.collection), x);
  };
  const events = followEvents({
    baseUrl: client.baseUrl,
    headers: client.headers,
    resourceId: id,
    type: kind.type ?? undefined,
    onBreak: (err) => cli.err.write(`watch: ${err.message}; reconnecting\n`),
    onOpen: () => void resync().catch((err: unknown) => cli.err.write(`watch: ${(err as Error).message}\n`)),
  });
  try {
    for await (const e of events) {
      if (e.kind !== 'transition') continue;
      const raw = await client.call('GET', `/v1/resources/${e.data.resourceId}`);
      show(expect(ResourceOut, raw, `resource ${e.data.resourceId}`), raw);
    }
  } catch (err) {
    throw refused(cli, err);
  }
}

/** A refusal of the event stream (a bad token) in the API's words; other errors as they are. */
const refused = (cli: Cli, err: unknown) =>
  err instanceof StreamRefused ? problemError(err.status, '', err.body, !!cli.clientConfig().token) : err;

export function registerResourceCommands(program: Command, cli: Cli): void {
  program
    .command('get')
    .summary('list resources of a kind, or show one')
    .description(
      `List the resources of a kind (every page), or show one by id.\n` +
        `Kinds: ${KIND_WORDS} (singular or plural; also vnf-packages, pkg, vol).`,
    )
    .argument('<kind>', KIND_WORDS, parseKind)
    .argument('[id]', 'a resource id', parseId)
    .addOption(outputOption())
    .option('--status <status>', 'only resources in this status (e.g. ERROR)')
    .option('--limit <n>', 'at most n resources (default: all)', positiveInt)
    .option('--chunk-size <n>', `resources per request, page after page (at most ${MAX_PAGE})`, pageSize, MAX_PAGE)
    .option('-w, --watch', 'after the list, print each resource again when it moves (Ctrl-C stops)')
    .addHelpText(
      'after',
      `\nExamples:\n  nfvo get packages\n  nfvo get vnfs --status ERROR -o wide\n  nfvo get volume <id> -o yaml\n  nfvo get resources -w`,
    )
    .action((kind: Kind, id: string | undefined, opts: GetOpts) => get(cli, kind, id, opts));

  program
    .command('watch')
    .summary('print transitions as they happen')
    .description(
      'Print every transition (or one resource’s) as it happens, like kubectl get -w;\n' +
        'reconnects and resumes where it left off. Ctrl-C stops.',
    )
    .argument('[id]', 'only this resource', parseId)
    .action(async (id?: string) => {
      const client = cli.client();
      try {
        await watch({ baseUrl: client.baseUrl, resourceId: id, out: cli.out, headers: client.headers });
      } catch (err) {
        throw refused(cli, err);
      }
    });
}
