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
