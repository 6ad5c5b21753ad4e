/**
 * The engine's live `/metrics` text, from a real engine: its own nats-server and a fresh database (the
 * suite's service fixture), the real shard workers, scraped over HTTP the way Prometheus does. The deploy
 * checks compare alert rules, dashboard, runbook and docs against this, not against the catalog.
 */
import { startTestService, startTestStack } from '../support/service-fixture.js';

export async function liveMetricsText(): Promise<string> {
  const stack = await startTestStack();
  try {
    const service = await startTestService(stack, { LOG_LEVEL: 'silent' }, true);
    try {
      if (service.httpUrl === undefined) throw new Error('the engine did not start its HTTP server');
      const response = await fetch(`${service.httpUrl}/metrics`);
      if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
      return await response.text();
    } finally {
      await service.stop();
    }
  } finally {
    await stack.cleanup();
  }
}

/**
 * Series names a scrape of `text` yields: every sample's name, plus, from the `# TYPE` lines, the names of
 * metrics that have no sample yet (a labelled counter before its first increment), with histograms
 * expanded to their `_bucket`, `_sum` and `_count` series.
 */
export function seriesNames(text: string): { series: Set<string>; metrics: Set<string> } {
  const series = new Set<string>();
  const metrics = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type !== null) {
      metrics.add(type[1]!);
      if (type[2] === 'histogram')
        for (const suffix of ['_bucket', '_sum', '_count']) series.add(type[1]! + suffix);
      else series.add(type[1]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})? \S+$/.exec(line);
    if (sample !== null) series.add(sample[1]!);
  }
  return { series, metrics };
}
