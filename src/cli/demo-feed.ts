/**
 * Demo mode: streams a synthetic day of CDRs (the load generator's demo preset) through NATS into the running
 * engine, prints case events as they happen (what an analyst works: one case per suspect, opened, escalated,
 * updated, closed) and a summary at the end: cases per suspect and, beside them, the count of window-level alert
 * messages existing subscribers receive. Everything takes the production path.
 */
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { FLASH_CALL_PREFIX, demoTrafficOptions, generateTraffic } from '../traffic/index.js';
import type { Service } from '../engine/index.js';
import { CdrPublisher } from '../stream/index.js';
import type { AlertMessage } from '../windows/index.js';
import { DemoCaseWatcher, type DemoCases } from './demo-cases.js';

export interface DemoSummary {
  published: number;
  /** Cases per suspect: one per fraudster is the goal (docs/adr/0010-cases.md). */
  cases: DemoCases;
  /** Window-level alert messages by severity (`sentinel.alerts.>`, the `fraud_alerts` log). */
  alerts: Record<string, number>;
  callRecords: number;
  deadLetters: number;
  elapsedSeconds: number;
}

export async function runDemoFeed(
  service: Service,
  out: Writable,
  logger: Logger,
  subscribers: number,
): Promise<DemoSummary> {
  const startedMs = Date.now();
  const alerts: Record<string, number> = {};
  const caseWatcher = new DemoCaseWatcher(service.nc);
  const stopAlerts = service.engine.onAlert((alert: AlertMessage) => {
    alerts[alert.alert_severity] = (alerts[alert.alert_severity] ?? 0) + 1;
  });
  const stopCases = service.engine.onCaseEvent((event) => {
    out.write(
      `CASE #${event.case_id} ${event.kind.toUpperCase().padEnd(9)} ${event.severity.padEnd(8)} ` +
        `${event.alert_type} window=${event.trigger_window_seconds}s ${event.evidence_summary}\n`,
    );
  });
  const unsubscribe = (): void => {
    stopAlerts();
    stopCases();
  };
  // The synthetic network has flash-call OTP senders (zero-second calls to many numbers): the textbook
  // false positive, allowlisted by prefix as an analyst would.
  const rules = service.engine.currentRules;
  const otpEntry = `${FLASH_CALL_PREFIX}*`;
  if (!rules.allowlist.includes(otpEntry)) {
    await service.engine.applyRules({ ...rules, allowlist: [...rules.allowlist, otpEntry] });
    out.write(`Allowlisted the demo network's OTP sender prefix ${otpEntry}.\n`);
  }
  const traffic = generateTraffic({ ...demoTrafficOptions(Date.now()), subscribers });
  const publisher = new CdrPublisher(service.nc, {
    partitions: service.config.partitions,
    logger,
    maxInFlight: 2_048,
  });
  let published = 0;
  const encoder = new TextEncoder();
  for (const record of traffic.records) {
    await publisher.publishRaw(encoder.encode(record.json), record.callId, record.callerDigits);
    published++;
  }
  await publisher.flush();
  await publisher.close();
  // Let the workers drain the backlog and commit before counting rows.
  await waitForQuiet(service);
  unsubscribe();
  const counts = await service.pool.query<{ records: string; dead: string }>(
    'SELECT (SELECT count(*) FROM call_records) AS records, (SELECT count(*) FROM dead_letters) AS dead',
  );
  const cases = await caseWatcher.summarize(service.pool);
  const summary: DemoSummary = {
    published,
    cases,
    alerts,
    callRecords: Number(counts.rows[0]?.records ?? 0),
    deadLetters: Number(counts.rows[0]?.dead ?? 0),
    elapsedSeconds: Math.round((Date.now() - startedMs) / 100) / 10,
  };
  out.write(
    `\nCases: ${cases.cases} for ${cases.suspects} suspects (counted from ${cases.source})` +
      Object.entries(cases.perSuspect)
        .map(([suspect, n]) => `\n  ${suspect}: ${n} case${n === 1 ? '' : 's'}`)
        .join('') +
      '\n',
  );
  out.write(`\nDemo summary: ${JSON.stringify(summary)}\n`);
  return summary;
}

async function waitForQuiet(service: Service, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietSince = 0;
  while (Date.now() < deadline) {
    const health = await service.engine.health();
    const busy = health.workers.some(
      (w) => w.bufferedRows > 0 || Object.values(w.consumerPending).some((pending) => pending > 0),
    );
    if (!busy) {
      if (quietSince === 0) quietSince = Date.now();
      if (Date.now() - quietSince > 2_000) return;
    } else quietSince = 0;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
