// What every command is given: its input, where to print, and the API client (made on first
// use, so that the server commands and --help need no NFVO_URL).
import { loadClientConfig, type ClientConfig } from '../config.js';
import { makeClient, type Client } from './client.js';

export type Cli = {
  stdin: NodeJS.ReadableStream;
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
  /** The environment, handed on to config.ts (which alone parses it). */
  env: Record<string, string | undefined>;
  clientConfig(): ClientConfig;
  client(): Client;
};

export function makeCli(io: Pick<Cli, 'env' | 'stdin' | 'out' | 'err'>): Cli {
  let config: ClientConfig | undefined;
  let client: Client | undefined;
  const cli: Cli = {
    ...io,
    clientConfig: () => (config ??= loadClientConfig(io.env)),
    client: () => (client ??= makeClient(cli.clientConfig())),
  };
  return cli;
}
