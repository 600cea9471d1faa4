// The one error type of the CLI: a message for stderr and the exit code it ends with.
//   0 ok, 1 failed (the API refused, a resource landed in ERROR, a service is unreachable), 2 bad usage.
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
    /** The HTTP status the API answered with, when the error is its refusal. */
    readonly httpStatus?: number,
  ) {
    super(message);
  }
}

/** Bad usage the parser could not see (a flag that needs another, a missing body): exit 2. */
export const usage = (message: string) => new CliError(message, EXIT.usage);
