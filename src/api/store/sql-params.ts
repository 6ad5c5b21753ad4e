/**
 * Collects bind values for one parameterised statement: `params.add(value)` returns its `$n` placeholder.
 * Values never become SQL text, whatever they hold.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
