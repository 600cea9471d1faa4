// API tokens: create (shown once), list, revoke. Through the API with an admin NFVO_TOKEN; straight
// to the database (DATABASE_URL) with --db or when NFVO_TOKEN is unset, which is how the very
// first admin token is made.
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { ROLES, type Role } from '../../model.js';
import type { UseCases } from '../../usecases/index.js';
import { parseId } from '../args.js';
import { CliError } from '../cli-error.js';
import { expect } from '../client.js';
import type { Cli } from '../context.js';
import { cell, outputOption, printResult, type Column, type Format } from '../output.js';

const TokenInfo = z.object({
  id: z.string(),
  name: z.string(),
  role: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});
type TokenInfo = z.infer<typeof TokenInfo>;
const Created = TokenInfo.extend({ token: z.string() });

const COLUMNS: Column<TokenInfo>[] = [
  { head: 'ID', cell: (t) => t.id },
  { head: 'NAME', cell: (t) => t.name },
  { head: 'ROLE', cell: (t) => t.role },
  { head: 'CREATED', cell: (t) => t.createdAt },
  { head: 'REVOKED', cell: (t) => cell(t.revokedAt) },
];

type DbTokenInfo = { id: string; name: string; role: string; createdAt: Date; revokedAt: Date | null };
const fromDb = (t: DbTokenInfo): TokenInfo => ({
  ...t,
  createdAt: t.createdAt.toISOString(),
  revokedAt: t.revokedAt?.toISOString() ?? null,
});

/** Run `fn` with the use cases on nfvo's own database (loaded only here: the API path needs none of it). */
async function withDatabase<T>(cli: Cli, fn: (uc: UseCases) => Promise<T>): Promise<T> {
  const [{ loadConfig }, { makeDb }, { makePgStore }, { makeUseCases }, { makeLogger }] = await Promise.all([
    import('../../config.js'),
    import('../../db/db.js'),
    import('../../db/content-repository.js'),
    import('../../usecases/index.js'),
    import('../../log.js'),
  ]);
  const config = loadConfig(cli.env);
  const log = makeLogger(config.logLevel, 'token');
  const db = makeDb({ url: config.databaseUrl, poolSize: 1, log, appName: 'nfvo-cli' });
  try {
    return await fn(makeUseCases(db, () => {}, { content: makePgStore(db), maxBytes: config.packageMaxBytes }));
  } finally {
    await db.close();
  }
}

type Where = { db?: boolean };
const viaDatabase = (cli: Cli, opts: Where) => opts.db || !cli.clientConfig().token;

/** A call to the token API; a refusal says where else tokens can be managed. */
async function viaApi(cli: Cli, method: string, path: string, json?: unknown): Promise<unknown> {
  try {
    return await cli.client().call(method, path, json === undefined ? {} : { body: { json } });
  } catch (err) {
    if (err instanceof CliError && err.httpStatus === 403)
      throw new CliError(`${err.message}\n  with access to the database, --db manages tokens there instead`);
    throw err;
  }
}

async function create(cli: Cli, opts: Where & { role: Role; name?: string }): Promise<void> {
  const name = opts.name ?? `${opts.role} token`;
  const made = viaDatabase(cli, opts)
    ? await withDatabase(cli, async (uc) => {
        const { token, info } = await uc.tokens.create(opts.role, name);
        return { ...fromDb(info), token };
      })
    : expect(Created, await viaApi(cli, 'POST', '/v1/tokens', { role: opts.role, name }), 'token');
  cli.err.write(`created ${made.role} token ${made.id} ("${made.name}"); it is shown once:\n`);
  cli.out.write(`${made.token}\n`);
}

const dbOption = () => new Option('--db', 'use the database (DATABASE_URL), not the API');

export function registerTokenCommands(program: Command, cli: Cli): void {
  const token = program
    .command('token')
    .summary('API tokens: create, ls, revoke')
    .description('API tokens (each of a role: viewer reads, operator changes, admin manages tokens).')
    .addHelpText(
      'after',
      '\nWhere they are kept: with NFVO_TOKEN set (an admin token), through the API; with --db, or when\n' +
        'NFVO_TOKEN is unset, straight in the database named by DATABASE_URL. The latter is how the\n' +
        'first admin token is made:\n' +
        '  export NFVO_TOKEN=$(nfvo token create --role admin --name me)',
    );

  token
    .command('create')
    .summary('create a token and print it once')
    .addOption(new Option('--role <role>', 'what it may do').choices(ROLES).makeOptionMandatory())
    .option('--name <name>', 'what it is for (default: "<role> token")')
    .addOption(dbOption())
    .action((opts: Where & { role: Role; name?: string }) => create(cli, opts));

  token
    .command('ls')
    .alias('list')
    .summary('list tokens (never their secrets)')
    .addOption(outputOption())
    .addOption(dbOption())
    .action(async (opts: Where & { output: Format }) => {
      const raw = viaDatabase(cli, opts)
        ? { items: (await withDatabase(cli, (uc) => uc.tokens.list())).map(fromDb) }
        : await viaApi(cli, 'GET', '/v1/tokens');
      const rows = expect(z.object({ items: z.array(TokenInfo) }), raw, 'tokens').items;
      printResult(cli.out, opts.output, { raw, rows, columns: COLUMNS });
    });

  token
    .command('revoke')
    .summary('revoke a token (it stops working within seconds)')
    .argument('<id>', 'the token id (nfvo token ls)', parseId)
    .addOption(dbOption())
    .action(async (id: string, opts: Where) => {
      const info = viaDatabase(cli, opts)
        ? fromDb(await withDatabase(cli, (uc) => uc.tokens.revoke(id)))
        : expect(TokenInfo, await viaApi(cli, 'DELETE', `/v1/tokens/${id}`), 'token');
      cli.out.write(`token/${info.id} revoked\n`);
    });
}
