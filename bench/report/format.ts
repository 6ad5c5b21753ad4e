/** Number formatting and Markdown tables for BENCHMARKS.md. */

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** 123456 → "123,456"; null → "–". */
export function int(value: number | null | undefined): string {
  return value == null ? '–' : Math.round(value).toLocaleString('en-US');
}

/** Rows or events as "1M", "10M", "250k". */
export function size(value: number): string {
  if (value >= 1_000_000 && value % 100_000 === 0) return `${value / 1_000_000}M`;
  if (value >= 1_000 && value % 1_000 === 0) return `${value / 1_000}k`;
  return int(value);
}

export function ms(value: number | null | undefined): string {
  if (value == null) return '–';
  if (value >= 10_000) return `${(value / 1_000).toFixed(1)} s`;
  if (value >= 100) return `${Math.round(value)} ms`;
  return `${value.toFixed(1)} ms`;
}

export function pct(value: number | null | undefined, digits = 1): string {
  return value == null ? '–' : `${(value * 100).toFixed(digits)}%`;
}

export function mib(bytes: number | null | undefined): string {
  return bytes == null ? '–' : `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

export function minutes(value: number | null | undefined): string {
  if (value == null) return '–';
  return value >= 90 ? `${(value / 60).toFixed(1)} h` : `${value.toFixed(1)} min`;
}
