/**
 * Run counts for the heavier property tests. `npm test` runs them in full; `npm run test:unit` (the inner
 * loop) sets PROPERTY_RUNS_SCALE=0.1 and runs a tenth, so it answers in seconds and CI still runs everything.
 */
const scale = Number(process.env.PROPERTY_RUNS_SCALE ?? '1');

export function propertyRuns(full: number): number {
  return Number.isFinite(scale) && scale > 0 ? Math.max(10, Math.round(full * scale)) : full;
}
