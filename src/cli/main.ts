// The nfvo program: every command, its help, and how a run ends (exit 0 ok, 1 failed, 2 bad usage).
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import { CliError, EXIT } from './cli-error.js';
import { registerPackageCommands } from './commands/create.js';
import { registerDescribe } from './commands/describe.js';
import { registerFleetCommands } from './commands/fleet.js';
import { registerFsm } from './commands/fsm.js';
import { registerOpsCommands } from './commands/ops.js';
import { registerResourceCommands } from './commands/resources.js';
import { registerServerCommands } from './commands/server.js';
import { registerTokenCommands } from './commands/tokens.js';
import { makeCli, type Cli } from './context.js';

const ENVIRONMENT = `
Environment:
  NFVO_URL     the API the client commands talk to (default http://127.0.0.1:8080)
  NFVO_TOKEN   their bearer token (nfvo token --help says how to make the first one)
  The server commands read DATABASE_URL, AMQP_URL, PORT, ... (see the README).

Exit status: 0 ok, 1 failed (the API refused, a resource landed in ERROR), 2 bad usage.`;

export function makeProgram(cli: Cli): Command {
  const program = new Command('nfvo')
    .description('nfvo: an NFV orchestrator. Its servers, and a kubectl-like client of its REST API.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => cli.out.write(s), writeErr: (s) => cli.err.write(s) })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', ENVIRONMENT);

  program.commandsGroup('Resources:');
  registerResourceCommands(program, cli);
  registerDescribe(program, cli);
  registerPackageCommands(program, cli);
  registerOpsCommands(program, cli);
  registerFsm(program, cli);
  program.commandsGroup('Fleet:');
  registerFleetCommands(program, cli);
  program.commandsGroup('Access:');
  registerTokenCommands(program, cli);
  program.commandsGroup('Servers:');
  registerServerCommands(program, cli);
  return program;
}

/** Run the program on `argv` (without node and the script); resolves to the exit code. */
export async function run(
  argv: string[],
  cli: Cli = makeCli({ env: process.env, stdin: process.stdin, out: process.stdout, err: process.stderr }),
) {
  const program = makeProgram(cli);
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT.ok;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError)
      // help and --version end well; a group without its subcommand, or any parsing error, is bad usage
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    if (err instanceof CliError) {
      cli.err.write(`nfvo: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof ConfigError) {
      cli.err.write(`${err.message}\n`);
      return EXIT.usage;
    }
    cli.err.write(`nfvo: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
}
