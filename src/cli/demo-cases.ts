/**
 * The demo's case count: what an analyst would work. Case events are watched on `sentinel.cases.>` (published
 * by the sink after each commit); when none arrived — a build whose sink does not publish them — the `cases`
 * table is read instead, if it has rows. Either way the summary says where its figures came from.
 */
import type { NatsConnection } from '@nats-io/nats-core';
import type pg from 'pg';

export const CASES_SUBJECT = 'sentinel.cases.>';

export interface DemoCases {
  /** `nats`: counted from case events seen; `database`: from the `cases` table; `none`: neither had any. */
  source: 'nats' | 'database' | 'none';
  suspects: number;
  cases: number;
  /** Suspect → cases (one per rule family unless a case closed and a new one opened later). */
  perSuspect: Record<string, number>;
  /** Case events seen on NATS, by kind (empty when counted from the database). */
  events: Record<string, number>;
}

interface CaseEventFields {
  case_key?: unknown;
  suspect_number?: unknown;
  kind?: unknown;
}

export class DemoCaseWatcher {
  private readonly caseKeys = new Map<string, Set<string>>();
  private readonly events: Record<string, number> = {};
  private readonly subscription;

  constructor(nc: NatsConnection, subject = CASES_SUBJECT) {
    this.subscription = nc.subscribe(subject, {
      callback: (error, msg) => {
        if (error) return;
        let event: CaseEventFields;
        try {
          event = msg.json<CaseEventFields>();
        } catch {
          return; // not a case event message: not ours to count
        }
        if (typeof event.case_key !== 'string' || typeof event.suspect_number !== 'string') return;
        const keys = this.caseKeys.get(event.suspect_number) ?? new Set<string>();
        keys.add(event.case_key);
        this.caseKeys.set(event.suspect_number, keys);
        const kind = typeof event.kind === 'string' ? event.kind : 'unknown';
        this.events[kind] = (this.events[kind] ?? 0) + 1;
      },
    });
  }

  /** Stops watching and counts: from the events seen, else from the `cases` table. */
  async summarize(pool: pg.Pool): Promise<DemoCases> {
    this.subscription.unsubscribe();
    if (this.caseKeys.size > 0) {
      const perSuspect = Object.fromEntries(
        [...this.caseKeys].map(([suspect, keys]) => [suspect, keys.size]),
      );
      return this.result('nats', perSuspect);
    }
    const table = await pool.query<{ present: boolean }>(
      "SELECT to_regclass('cases') IS NOT NULL AS present",
    );
    if (table.rows[0]?.present !== true) return this.result('none', {});
    const rows = await pool.query<{ suspect_number: string; cases: string }>(
      'SELECT suspect_number, count(*) AS cases FROM cases GROUP BY suspect_number ORDER BY suspect_number',
    );
    const perSuspect = Object.fromEntries(rows.rows.map((row) => [row.suspect_number, Number(row.cases)]));
    return this.result(rows.rows.length > 0 ? 'database' : 'none', perSuspect);
  }

  private result(source: DemoCases['source'], perSuspect: Record<string, number>): DemoCases {
    return {
      source,
      suspects: Object.keys(perSuspect).length,
      cases: Object.values(perSuspect).reduce((total, n) => total + n, 0),
      perSuspect,
      events: source === 'nats' ? { ...this.events } : {},
    };
  }
}
