// Command-line flag errors in plain words, for every `obligo` command (src/cli/common.ts uses this too: the
// policy room may not import src/cli/, so the one home of the wording is here). node:util parseArgs says
// "Unknown option '--bogus'. To specify a positional argument starting with a '-', place it at the end of
// the command after '--', as in '-- "--bogus"" (an unbalanced quote, and advice that rarely applies);
// we say "unknown option --bogus".

/** A parseArgs error as one short line ("unknown option --bogus"); other errors' messages unchanged. */
export function argsErrorMessage(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const msg = typeof e?.message === 'string' ? e.message : String(err);
  // The flag as the user typed it, from the first quoted token of Node's message.
  const flag = /'(-[^' <]*)/.exec(msg)?.[1];
  switch (e?.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${flag ?? msg}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (flag && /argument missing/.test(msg)) return `option ${flag} needs a value`;
      if (flag && /does not take an argument/.test(msg)) return `option ${flag} takes no value`;
      return msg;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const arg = /'([^']*)'/.exec(msg)?.[1];
      return arg === undefined ? msg : `unexpected argument ${arg}`;
    }
    default:
      return msg;
  }
}

/** True for errors of node:util parseArgs (a bad command line, as opposed to a bug). */
export function isArgsError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/** What a command prints for a bad command line: `obligo <command>: <message>`, then its usage lines. */
export function usageText(command: string, message: string, help: string): string {
  return `obligo ${command}: ${message}\n${usageLines(help)}\n`;
}

/** The usage lines of a help text: from its first line up to the first blank line. */
export function usageLines(help: string): string {
  const end = help.indexOf('\n\n');
  return (end < 0 ? help : help.slice(0, end)).trimEnd();
}
