/**
 * Case events in the sink: stored once by key, folded into one `cases` row per case in the batch's transaction
 * (state from the newest event only, peak from the first event that reached it), fenced partitions' events left
 * out, refused events dead-lettered, and the outbox read back exactly as the events were.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresBatchWriter, SINK_REJECTED_CASE_EVENT_REASON, type Batch } from '../../src/sinks/index.js';
import type { CaseEvent } from '../../src/windows/index.js';
import { caseEvents } from '../support/case-events.js';
import {
  BASE_MS,
  countRows,
  createMigratedDatabase,
  recordRow,
  silentLogger,
  type MigratedDatabase,
} from './support/sink-fixtures.js';

interface CaseRow {
  id: string;
  status: string;
  severity: string;
  peak_severity: string;
  trigger_window_seconds: number;
  call_count: number;
  unique_destinations: number;
  evidence_summary: string;
  evidence: { sequence: number; calleeSample: string[] };
  peak_evidence: { sequence: number; severity: string };
  opened_ms: number;
  first_ms: number | null;
  last_ms: number;
  closed_ms: number | null;
  reopen_count: number;
  event_count: number;
  last_sequence: number;
  stream_partition: number;
  suspect_number: string;
}

function batchWith(events: readonly CaseEvent[], partition: number, extra: Partial<Batch> = {}): Batch {
  return {
    records: [],
    alerts: [],
    deadLetters: [],
    offsets: new Map(),
    caseEvents: events,
    caseEventPartitions: events.map(() => partition),
    ...extra,
  };
}

describe('case events in the sink', () => {
  let database: MigratedDatabase;
  let consumers = 0;
  const newWriter = () =>
    new PostgresBatchWriter({
      connectionString: database.db.url,
      consumer: `cases-${(consumers += 1)}`,
      logger: silentLogger,
    });

  const caseRow = async (caseKey: string): Promise<CaseRow | undefined> => {
    const result = await database.pool.query<CaseRow>(
      `SELECT id, status, severity, peak_severity, trigger_window_seconds, call_count, unique_destinations,
         evidence_summary, evidence, peak_evidence, suspect_number, stream_partition,
         (extract(epoch FROM opened_at) * 1000)::float8 AS opened_ms,
         (extract(epoch FROM first_event_at) * 1000)::float8 AS first_ms,
         (extract(epoch FROM last_event_at) * 1000)::float8 AS last_ms,
         (extract(epoch FROM closed_at) * 1000)::float8 AS closed_ms,
         reopen_count, event_count, last_sequence
       FROM cases WHERE case_key = $1`,
      [caseKey],
    );
    return result.rows[0];
  };

  beforeAll(async () => {
    database = await createMigratedDatabase();
  });

  afterAll(async () => {
    await database.close();
  });

  it('stores a whole life in one batch and folds it into one case row', async () => {
    const writer = newWriter();
    const events = caseEvents('2348011110001', BASE_MS);
    const stats = await writer.write(batchWith(events, 2, { records: [recordRow(2, 1)] }));
    await writer.close();

    expect(stats.caseEventsInserted).toBe(5);
    expect(stats.caseEventsDuplicate).toBe(0);
    expect(stats.storedCaseEvents.map((stored) => stored.event.eventKey)).toEqual(
      events.map((e) => e.eventKey),
    );
    const row = await caseRow(events[0]!.caseKey);
    expect(row).toBeDefined();
    expect(new Set(stats.storedCaseEvents.map((stored) => stored.caseId))).toEqual(
      new Set([Number(row!.id)]),
    );
    const last = events[4]!;
    expect(row).toMatchObject({
      status: 'open',
      severity: 'MEDIUM',
      peak_severity: 'HIGH',
      trigger_window_seconds: 600,
      call_count: last.windows[0]!.callCount,
      unique_destinations: 55,
      evidence_summary: last.evidenceSummary,
      opened_ms: BASE_MS,
      closed_ms: null,
      reopen_count: 1,
      event_count: 5,
      last_sequence: 4,
      stream_partition: 2,
      suspect_number: '2348011110001',
    });
    expect(row!.evidence.sequence).toBe(4);
    expect(row!.evidence.calleeSample).toEqual(last.calleeSample);
    // The peak is the first event that reached HIGH (the escalation), not the later update at HIGH.
    expect(row!.peak_evidence).toMatchObject({ sequence: 1, severity: 'HIGH' });
    const first = Math.min(...events.flatMap((e) => e.windows.map((w) => w.firstEventAtMs ?? Infinity)));
    expect(row!.first_ms).toBe(first);
    const history = await database.pool.query<{ sequence: number; kind: string; published_at: Date | null }>(
      'SELECT sequence, kind, published_at FROM case_events WHERE case_key = $1 ORDER BY sequence',
      [events[0]!.caseKey],
    );
    expect(history.rows.map((r) => r.kind)).toEqual(['opened', 'escalated', 'updated', 'closed', 'reopened']);
    expect(history.rows.every((r) => r.published_at === null)).toBe(true);
  });

  it('stores nothing twice: a retried or replayed batch leaves events and counts as they were', async () => {
    const writer = newWriter();
    const events = caseEvents('2348011110002', BASE_MS + 60_000);
    await writer.write(batchWith(events.slice(0, 3), 1));
    const again = await writer.write(batchWith([...events.slice(0, 3), events[2]!], 1));
    expect(again.caseEventsInserted).toBe(0);
    expect(again.caseEventsDuplicate).toBe(3);
    expect(again.storedCaseEvents).toEqual([]);
    const rest = await writer.write(batchWith(events.slice(2), 1));
    await writer.close();
    expect(rest.caseEventsInserted).toBe(2);
    expect(rest.caseEventsDuplicate).toBe(1);
    expect(await caseRow(events[0]!.caseKey)).toMatchObject({
      event_count: 5,
      last_sequence: 4,
      reopen_count: 1,
    });
    const stored = await database.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM case_events WHERE case_key = $1',
      [events[0]!.caseKey],
    );
    expect(Number(stored.rows[0]!.n)).toBe(5);
  });

  it('never lets an older event overwrite a newer state', async () => {
    const writer = newWriter();
    const events = caseEvents('2348011110003', BASE_MS + 120_000);
    // The close (sequence 3) lands before the escalation and the update it follows.
    await writer.write(batchWith([events[0]!, events[3]!], 0));
    await writer.write(batchWith([events[1]!, events[2]!], 0));
    await writer.close();
    const row = await caseRow(events[0]!.caseKey);
    expect(row).toMatchObject({
      status: 'closed',
      closed_ms: events[3]!.atMs,
      last_sequence: 3,
      event_count: 4,
      peak_severity: 'HIGH',
      evidence_summary: events[3]!.evidenceSummary,
    });
    expect(row!.peak_evidence.sequence).toBe(1);
  });

  it("leaves a fenced partition's case events out, like its rows and alerts", async () => {
    const writer = newWriter();
    const consumer = `cases-${consumers}`;
    await database.pool.query(
      'INSERT INTO sink_offsets (consumer, partition, last_seq, epoch) VALUES ($1, 5, 0, 9)',
      [consumer],
    );
    const fenced = caseEvents('2348011110004', BASE_MS);
    const ours = caseEvents('2348011110005', BASE_MS);
    const stats = await writer.write({
      records: [recordRow(5, 1), recordRow(6, 1)],
      alerts: [],
      deadLetters: [],
      offsets: new Map(),
      caseEvents: [...fenced, ...ours],
      caseEventPartitions: [...fenced.map(() => 5), ...ours.map(() => 6)],
      epochs: new Map([
        [5, 3],
        [6, 1],
      ]),
    });
    await writer.close();
    expect(stats.fencedPartitions).toEqual([5]);
    expect(stats.caseEventsInserted).toBe(ours.length);
    expect(await caseRow(fenced[0]!.caseKey)).toBeUndefined();
    expect(await caseRow(ours[0]!.caseKey)).toMatchObject({ event_count: 5, stream_partition: 6 });
  });

  it('turns an event Postgres would refuse into a dead letter and stores the rest', async () => {
    const writer = newWriter();
    const events = caseEvents('2348011110006', BASE_MS);
    const broken: CaseEvent = { ...events[1]!, atMs: Number.NaN };
    const before = await countRows(database.pool, 'dead_letters');
    const stats = await writer.write(batchWith([events[0]!, broken], 3));
    await writer.close();
    expect(stats.caseEventsInserted).toBe(1);
    expect(stats.deadLettersWritten).toBe(1);
    expect(await countRows(database.pool, 'dead_letters')).toBe(before + 1);
    const letter = await database.pool.query<{ reason: string; field: string }>(
      'SELECT reason, field FROM dead_letters ORDER BY id DESC LIMIT 1',
    );
    expect(letter.rows[0]).toEqual({ reason: SINK_REJECTED_CASE_EVENT_REASON, field: 'atMs' });
  });

  it('reads the outbox back as the events were stored, oldest first, until they are marked', async () => {
    const writer = newWriter();
    const events = caseEvents('2348011110007', BASE_MS + 7_000);
    await writer.write(batchWith(events, 7));
    const unpublished = await writer.unpublishedCaseEvents(7, 100);
    expect(unpublished.map((stored) => stored.event)).toEqual(events);
    expect(unpublished.every((stored) => stored.partition === 7)).toBe(true);
    // A sweep leaves events younger than its minimum age alone.
    expect(await writer.unpublishedCaseEvents(7, 100, 60_000)).toEqual([]);
    expect(await writer.unpublishedCaseEvents(7, 2)).toHaveLength(2);

    expect(await writer.markCaseEventsPublished(unpublished.slice(0, 3).map((s) => s.eventId))).toBe(3);
    expect(await writer.markCaseEventsPublished(unpublished.slice(0, 3).map((s) => s.eventId))).toBe(0);
    const left = await writer.unpublishedCaseEvents(7, 100);
    await writer.close();
    expect(left.map((stored) => stored.event.sequence)).toEqual([3, 4]);
  });
});
