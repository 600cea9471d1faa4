// Making resources: create package|volume|vnf|acl (flags, or a JSON body with -f), upload a
// package's content, read its VNFD, its content and its files.
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { readFile, stat } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { parseId, positiveInt, repeatable } from '../args.js';
import { changeOptions, reportChange, type ChangeOpts } from '../change.js';
import { usage } from '../cli-error.js';
import type { Body } from '../client.js';
import type { Cli } from '../context.js';

type Rule = { direction: string; action: string; protocol: string; cidr: string; ports?: string };

/** 'ingress,allow,tcp,10.0.0.0/24,22': direction, action, protocol, cidr and, optionally, ports. */
function parseRule(value: string): Rule {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.length < 4 || parts.length > 5 || parts.some((p) => !p))
    throw new InvalidArgumentError(
      `"${value}" is not a rule: direction,action,protocol,cidr[,ports] such as ingress,allow,tcp,10.0.0.0/24,22`,
    );
  const [direction, action, protocol, cidr, ports] = parts as [string, string, string, string, string?];
  return { direction, action, protocol, cidr, ...(ports ? { ports } : {}) };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}

/** A CSAR to send: a file, its length declared (a package over the API's limit is refused at once), or stdin. */
async function csarBody(cli: Cli, path: string): Promise<Body> {
  const type = 'application/zip';
  if (path === '-') return { stream: Readable.from(cli.stdin), type };
  const info = await stat(path).catch((err: Error) => {
    throw usage(`${path}: ${err.message}`);
  });
  if (!info.isFile()) throw usage(`${path}: not a file`);
  return { stream: createReadStream(path), type, length: info.size };
}

/** The JSON body of -f (a file, or stdin with "-"), an object; undefined without -f. */
async function bodyFile(cli: Cli, path: string | undefined): Promise<Record<string, unknown> | undefined> {
  if (!path) return undefined;
  const text = await (path === '-' ? readAll(cli.stdin) : readFile(path, 'utf8')).catch((err: Error) => {
    throw usage(`${path}: ${err.message}`);
  });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw usage(`${path === '-' ? 'stdin' : path}: not JSON (${(err as Error).message})`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw usage(`${path}: not a JSON object`);
  return body as Record<string, unknown>;
}

/**
 * The create body: the flags given, over the body of -f. Without -f, a flag the body needs is bad
 * usage when missing; a body from -f is the API's to judge.
 */
function merge(
  file: Record<string, unknown> | undefined,
  fromFlags: Record<string, unknown>,
  needs: Record<string, string>,
) {
  const flags = Object.fromEntries(Object.entries(fromFlags).filter(([, v]) => v !== undefined));
  if (file) return { ...file, ...flags };
  const missing = Object.entries(needs).filter(([field]) => flags[field] === undefined);
  if (missing.length) throw usage(`missing ${missing.map(([, flag]) => flag).join(', ')} (or give the body with -f)`);
  return flags;
}

type Common = ChangeOpts & { filename?: string; name?: string };

const post = async (cli: Cli, collection: string, json: unknown, opts: ChangeOpts) =>
  reportChange(cli, await cli.client().call('POST', `/v1/${collection}`, { body: { json } }), 'created', opts);

function registerCreate(program: Command, cli: Cli): void {
  const create = program
    .command('create')
    .summary('create a package, volume, vnf or acl')
    .description('Create a resource from flags, or from a JSON body of the API with -f (flags override it).');
  const sub = (name: string, summary: string) =>
    changeOptions(
      create.command(name).summary(summary).option('-f, --filename <path>', "a JSON create body ('-': stdin)"),
    );

  sub('package', 'onboard a VNF package (its CSAR), or create one to upload to later')
    .option('--file <csar>', "the package's CSAR (zip) to onboard, streamed ('-': stdin)")
    .option('--name <name>', 'its name')
    .addHelpText(
      'after',
      '\nExamples:\n  nfvo create package --file pkg.zip --name sample --wait\n' +
        '  nfvo create package --name later     # then: nfvo upload <id> --file pkg.zip',
    )
    .action(async (opts: Common & { file?: string }) => {
      if (opts.file && opts.filename) throw usage('give the CSAR (--file) or a JSON body (-f), not both');
      if (!opts.file)
        return post(cli, 'vnf-packages', merge(await bodyFile(cli, opts.filename), { name: opts.name }, {}), opts);
      const answer = await cli.client().call('POST', '/v1/vnf-packages', {
        query: { name: opts.name },
        body: await csarBody(cli, opts.file),
      });
      await reportChange(cli, answer, 'created', opts);
    });

  sub('volume', 'create a volume')
    .option('--name <name>', 'its name')
    .option('--size-gb <n>', 'its size in GB', positiveInt)
    .action(async (opts: Common & { sizeGb?: number }) => {
      const fields = { name: opts.name, sizeGb: opts.sizeGb };
      const json = merge(await bodyFile(cli, opts.filename), fields, { name: '--name', sizeGb: '--size-gb' });
      await post(cli, 'volumes', json, opts);
    });

  sub('vnf', 'create (instantiate) a vnf from an onboarded package')
    .option('--name <name>', 'its name')
    .option('--package <id>', 'the vnf package it is made from', parseId)
    .option('--volume <id>', 'a volume to attach (repeatable)', repeatable(parseId))
    .option('--flavour <id>', "the VNFD's deployment flavour (default: its first)")
    .option('--vdu <id>', 'the VDU to instantiate (default: the first)')
    .action(async (opts: Common & { package?: string; volume?: string[]; flavour?: string; vdu?: string }) => {
      const fields = {
        name: opts.name,
        vnfPackageId: opts.package,
        volumeIds: opts.volume,
        flavourId: opts.flavour,
        vduId: opts.vdu,
      };
      const json = merge(await bodyFile(cli, opts.filename), fields, { name: '--name', vnfPackageId: '--package' });
      await post(cli, 'vnfs', json, opts);
    });

  sub('acl', 'create an acl (security rules), optionally bound to a vnf')
    .option('--name <name>', 'its name')
    .option('--vnf <id>', 'the vnf it applies to', parseId)
    .option('--rule <rule>', 'direction,action,protocol,cidr[,ports] (repeatable)', repeatable(parseRule))
    .addHelpText(
      'after',
      "\nExample:\n  nfvo create acl --name web --rule 'ingress,allow,tcp,10.0.0.0/24,22' --rule 'egress,deny,any,0.0.0.0/0'",
    )
    .action(async (opts: Common & { vnf?: string; rule?: Rule[] }) => {
      const fields = { name: opts.name, vnfId: opts.vnf, rules: opts.rule };
      const json = merge(await bodyFile(cli, opts.filename), fields, { name: '--name', rules: '--rule' });
      await post(cli, 'acls', json, opts);
    });
}

export function registerPackageCommands(program: Command, cli: Cli): void {
  registerCreate(program, cli);

  changeOptions(
    program
      .command('upload')
      .summary("upload a package's content (its CSAR)")
      .description('Upload the CSAR of a package created without it; it is then validated and onboarded.')
      .argument('<package-id>', 'the vnf package', parseId)
      .requiredOption('--file <csar>', "the CSAR (zip), streamed ('-': stdin)"),
  ).action(async (id: string, opts: ChangeOpts & { file: string }) => {
    const answer = await cli.client().call('PUT', `/v1/vnf-packages/${id}/content`, {
      body: await csarBody(cli, opts.file),
    });
    await reportChange(cli, answer, 'uploaded', opts);
  });

  /** A package's file: to --output, or to stdout. */
  const save = async (path: string, output: string | undefined) => {
    const body = await cli.client().stream(path);
    if (!output || output === '-') {
      for await (const chunk of body) cli.out.write(chunk as Buffer);
      return;
    }
    await pipeline(body, createWriteStream(output));
    cli.err.write(`wrote ${output}\n`);
  };
  program
    .command('download')
    .summary("download a package's content (its CSAR)")
    .argument('<package-id>', 'the vnf package', parseId)
    .option('--output <file>', 'where to write it (default: stdout)')
    .action((id: string, opts: { output?: string }) => save(`/v1/vnf-packages/${id}/content`, opts.output));
  program
    .command('artifact')
    .summary('print or save one file of a package (e.g. Scripts/install.sh)')
    .argument('<package-id>', 'the vnf package', parseId)
    .argument('<path>', 'the file, as the package names it')
    .option('--output <file>', 'where to write it (default: stdout)')
    .action((id: string, file: string, opts: { output?: string }) =>
      save(`/v1/vnf-packages/${id}/artifacts/${file.split('/').map(encodeURIComponent).join('/')}`, opts.output),
    );

  program
    .command('vnfd')
    .summary("print a package's VNFD (YAML)")
    .argument('<package-id>', 'the vnf package', parseId)
    .action(async (id: string) => {
      for await (const chunk of await cli.client().stream(`/v1/vnf-packages/${id}/vnfd`))
        cli.out.write(chunk as Buffer);
    });
}
