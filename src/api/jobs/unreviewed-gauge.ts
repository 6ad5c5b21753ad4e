/**
 * Keeps `sentinel_unreviewed_alerts` (the SentinelHighUnreviewedAlerts input and the alert-backlog panel) and
 * the pool gauge fresh. Since v2 it counts open, unreviewed **cases** (one per suspect), not fraud_alerts
 * rows. A count every ~15 s is cheap next to a scrape interval and keeps the scrape itself free of SQL.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Metrics } from '../../metrics/index.js';
import { countOpenUnreviewedCases } from '../store/cases-store.js';
import { poolUsage } from '../store/database-health.js';

export interface GaugeRefresher {
  refresh(): Promise<void>;
  stop(): Promise<void>;
}

/** @param intervalMs time between refreshes. @default 15_000 */
export function startUnreviewedGauge(
  pool: pg.Pool,
  metrics: Metrics,
  logger: Logger,
  intervalMs = 15_000,
): GaugeRefresher {
  const unreviewed = metrics.gauge('sentinel_unreviewed_alerts');
  const poolGauge = metrics.gauge('sentinel_database_pool_utilization');
  let running: Promise<void> | undefined;
  let failing = false;
  const refresh = async (): Promise<void> => {
    running ??= countOpenUnreviewedCases(pool)
      .then((count) => {
        unreviewed.set(count);
        poolGauge.set(poolUsage(pool).utilization);
        failing = false;
      })
      .catch((error: unknown) => {
        // Log the first failure of a run of failures, not one line per tick during an outage.
        if (!failing) logger.warn({ err: error }, 'could not count open unreviewed cases');
        failing = true;
      })
      .finally(() => {
        running = undefined;
      });
    await running;
  };
  const timer = setInterval(() => void refresh(), intervalMs);
  timer.unref();
  void refresh();
  return {
    refresh,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
