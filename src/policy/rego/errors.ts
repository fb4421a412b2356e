// Errors raised by the Rego parser, compiler and evaluator. `code` follows OPA
// (rego_parse_error, rego_compile_error, rego_unsafe_var_error, rego_recursion_error,
// rego_type_error, eval_conflict_error, eval_type_error, eval_builtin_error, ...).

export interface Location {
  file: string;
  row: number;
  col: number;
}

export class RegoError extends Error {
  code: string;
  location?: Location;
  /** The message without the location prefix. */
  bare: string;
  constructor(code: string, message: string, location?: Location) {
    // evaluation errors read like OPA's ("file:row: code: message"); others "file:row:col: message"
    super(
      location
        ? code.startsWith('eval_')
          ? `${location.file}:${location.row}: ${code}: ${message}`
          : `${location.file}:${location.row}:${location.col}: ${message}`
        : code.startsWith('eval_')
          ? `${code}: ${message}`
          : message,
    );
    this.code = code;
    this.bare = message;
    this.location = location;
    this.name = 'RegoError';
  }
}

/** Several compile errors at once (the first one is the message headline). */
export class RegoErrors extends RegoError {
  errors: RegoError[];
  constructor(errors: RegoError[]) {
    super(errors[0]!.code, errors.map((e) => e.message).join('\n'));
    this.location = errors[0]!.location;
    this.errors = errors;
  }
}

/**
 * Evaluation stopped by a limit: the deadline passed (code eval_cancel_error, kind "timeout") or a
 * value grew beyond the size bound, or the evaluation ran out of stack (eval_resource_error, kind
 * "size"). Never a hang or a crash of the process: callers map it to "cannot decide".
 */
export class RegoLimitError extends RegoError {
  readonly kind: 'timeout' | 'size';
  constructor(kind: 'timeout' | 'size', message: string, location?: Location) {
    super(kind === 'timeout' ? 'eval_cancel_error' : 'eval_resource_error', message, location);
    this.kind = kind;
    this.name = 'RegoLimitError';
  }
}

/** Default limits of one evaluation. */
export const DEFAULT_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_VALUE_SIZE = 5_000_000;

/** JavaScript's own resource errors (stack, string, array or map size), as opposed to a RangeError a
 * builtin raises for a bad argument. */
export function isResourceError(e: unknown): e is RangeError {
  return e instanceof RangeError && /Maximum call stack|Invalid string length|Invalid array length|maximum size exceeded|Array buffer allocation/i.test(e.message);
}
