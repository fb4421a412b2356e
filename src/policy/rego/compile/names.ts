// Fresh variable names, per compiler (no global counter: two engines in one process compile the
// same modules to the same names). Generated names contain `$`, which Rego identifiers cannot.
export class NameGen {
  private n = 0;
  fresh(base: string): string {
    return `${base}$${++this.n}`;
  }
}
