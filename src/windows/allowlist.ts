/**
 * Numbers and prefixes that never alert. Checked only when an episode would open, never per event, so a
 * plain set plus a prefix list is fast enough.
 */
export class Allowlist {
  private readonly exact = new Set<string>();
  private readonly prefixes: string[] = [];

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      if (entry.endsWith('*')) this.prefixes.push(entry.slice(0, -1));
      else this.exact.add(entry);
    }
  }

  get isEmpty(): boolean {
    return this.exact.size === 0 && this.prefixes.length === 0;
  }

  has(caller: number): boolean {
    if (this.isEmpty) return false;
    const digits = String(caller);
    if (this.exact.has(digits)) return true;
    for (const prefix of this.prefixes) if (digits.startsWith(prefix)) return true;
    return false;
  }
}
