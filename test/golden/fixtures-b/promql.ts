// PromQL syntax check with the Prometheus project's own Lezer grammar: returns the error positions.
import { parser } from '@prometheus-io/lezer-promql';

export function promqlSyntaxErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`syntax error at ${node.from}: …${expr.slice(node.from, node.from + 20)}`);
    },
  });
  return errors;
}
