import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PostgresBatchWriter,
  SINK_REJECTED_ALERT_REASON,
  SINK_REJECTED_REASON,
  SinkClosedError,
  type Batch,
  type CallRecordRow,
} from '../../src/sinks/index.js';
import {
  alertMessage,
  BASE_MS,
  committedOffsets,
  countRows,
  createMigratedDatabase,
  deadLetterRow,
  recordRow,
  silentLogger,
  type MigratedDatabase,
} from './support/sink-fixtures.js';

const AWKWARD = [
  'tab\there',
  'back\\slash',
  '\\N',
  '\\.',
  'new\nline',
  'carriage\rreturn',
  'crlf\r\n',
  '',
  'emoji 📞☎️',
  '中文 العربية',
  'e\u0301 combining',
  'quote \' and " both',
  '\\t literally',
];

function batchOf(records: CallRecordRow[], extra: Partial<Batch> = {}): Batch {
  return { records, alerts: [], deadLetters: [], offsets: new Map(), ...extra };
}

interface StoredRecord {
  call_id: string;
  caller_number: string;
  callee_number: string;
  start_ms: string;
  duration_seconds: number;
  answered: boolean | null;
  call_direction: string | null;
  termination_cause: number | null;
  location_code: string | null;
  imsi: string | null;
  imei: string | null;
  switch_id: string | null;
  trunk_in: string | null;
  trunk_out: string | null;
  stream_partition: number;
  stream_seq: string;
  late: boolean;
}

describe('PostgresBatchWriter', () => {
  let database: MigratedDatabase;
  let consumerCount = 0;
  const newWriter = (consumer = `writer-${(consumerCount += 1)}`) =>
    new PostgresBatchWriter({ connectionString: database.db.url, consumer, logger: silentLogger });

  beforeAll(async () => {
    database = await createMigratedDatabase();
  });

  afterAll(async () => {
    await database.close();
  });

  it('round-trips 50k rows with awkward strings exactly, creating the day partitions they need', async () => {
    const writer = newWriter('roundtrip');
    const rows: CallRecordRow[] = [];
    for (let seq = 1; seq <= 50_000; seq += 1) {
      const pick = (offset: number): string => AWKWARD[(seq + offset) % AWKWARD.length]!;
      const sparse = seq % 3 === 0;
      rows.push({
        callId: `${pick(0)}#${seq}`,
        caller: String(2_348_000_000_000 + (seq % 977)),
        callee: pick(1),
        // Mostly 2025-03-01..02, some from 2001 (late/backfilled: the partition is made on demand).
        startMs: seq % 1_000 === 0 ? Date.UTC(2001, 8, 9, 12) + seq : BASE_MS + seq * 2_357,
        durationSeconds: seq % 86_401,
        ...(sparse ? {} : { answered: seq % 2 === 0, direction: pick(2), cause: seq % 128, cell: pick(3) }),
        ...(sparse
          ? {}
          : { imsi: pick(4), imei: pick(5), switchId: pick(6), trunkIn: pick(7), trunkOut: pick(8) }),
        partition: seq % 4,
        streamSeq: seq,
        late: seq % 11 === 0,
      });
    }
    const stats = await writer.write(batchOf(rows));
    await writer.close();
    expect(stats.recordsWritten).toBe(50_000);
    expect(stats.attempts).toBe(1);

    const stored = await database.pool.query<StoredRecord>(
      `SELECT call_id, caller_number, callee_number, (extract(epoch from start_time) * 1000)::bigint::text AS start_ms,
              duration_seconds, answered, call_direction, termination_cause, location_code, imsi, imei, switch_id,
              trunk_in, trunk_out, stream_partition, stream_seq::text, late
         FROM call_records ORDER BY call_records.stream_seq`,
    );
    const expected = rows.map((row) => ({
      call_id: row.callId,
      caller_number: row.caller,
      callee_number: row.callee,
      start_ms: String(row.startMs),
      duration_seconds: row.durationSeconds,
      answered: row.answered ?? null,
      call_direction: row.direction ?? null,
      termination_cause: row.cause ?? null,
      location_code: row.cell ?? null,
      imsi: row.imsi ?? null,
      imei: row.imei ?? null,
      switch_id: row.switchId ?? null,
      trunk_in: row.trunkIn ?? null,
      trunk_out: row.trunkOut ?? null,
      stream_partition: row.partition,
      stream_seq: String(row.streamSeq),
      late: row.late,
    }));
    expect(stored.rows.length).toBe(expected.length);
    // Compared row by row so a failure names the first differing row instead of printing 50k objects.
    const firstMismatch = expected.findIndex(
      (row, i) => JSON.stringify(row) !== JSON.stringify(stored.rows[i]),
    );
    if (firstMismatch !== -1) expect(stored.rows[firstMismatch]).toEqual(expected[firstMismatch]);
    expect(firstMismatch).toBe(-1);
    const parts = await database.pool.query<{ part: string }>(
      'SELECT DISTINCT tableoid::regclass::text AS part FROM call_records ORDER BY 1',
    );
    expect(parts.rows.map((row) => row.part)).toEqual([
      'call_records_20010909',
      'call_records_20250301',
      'call_records_20250302',
    ]);
    expect(await committedOffsets(database.pool, 'roundtrip')).toEqual(
      new Map([
        [0, 50_000],
        [1, 49_997],
        [2, 49_998],
        [3, 49_999],
      ]),
    );
  });

  it('writes nothing for a (partition, seq) range already committed, even from a new writer', async () => {
    const consumer = 'replay';
    const first = newWriter(consumer);
    const rows = Array.from({ length: 100 }, (_v, i) => recordRow(7, i + 1, { callId: `replay-${i + 1}` }));
    expect((await first.write(batchOf(rows))).recordsWritten).toBe(100);
    const again = await first.write(batchOf(rows));
    expect(again).toMatchObject({ recordsWritten: 0, recordsSkipped: 100 });
    await first.close();

    // A restarted worker: offsets load, and an overlapping range writes only the new tail.
    const second = newWriter(consumer);
    expect(await second.loadOffsets([7, 8])).toEqual(
      new Map([
        [7, 100],
        [8, 0],
      ]),
    );
    const overlap = Array.from({ length: 100 }, (_v, i) =>
      recordRow(7, i + 51, { callId: `replay-${i + 51}` }),
    );
    expect(await second.write(batchOf(overlap))).toMatchObject({ recordsWritten: 50, recordsSkipped: 50 });
    await second.close();
    const ids = await database.pool.query<{ n: string; distinct_ids: string }>(
      `SELECT count(*) AS n, count(DISTINCT call_id) AS distinct_ids FROM call_records WHERE call_id LIKE 'replay-%'`,
    );
    expect(ids.rows[0]).toEqual({ n: '150', distinct_ids: '150' });
  });

  it('writes a batch once even when two writers for the same consumer race with it', async () => {
    const [a, b] = [newWriter('twins'), newWriter('twins')];
    const rows = Array.from({ length: 2_000 }, (_v, i) => recordRow(11, i + 1, { callId: `twins-${i + 1}` }));
    const results = await Promise.all([a.write(batchOf(rows)), b.write(batchOf(rows))]);
    await Promise.all([a.close(), b.close()]);
    // The offset row lock serialises them: one writes everything, the other finds it committed.
    expect(results.map((stats) => stats.recordsWritten).sort((x, y) => x - y)).toEqual([0, 2_000]);
    const stored = await database.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM call_records WHERE call_id LIKE 'twins-%'`,
    );
    expect(stored.rows[0]?.n).toBe('2000');
  });

  it('keeps the first copy of a row repeated within one batch (a redelivery caught before commit)', async () => {
    const writer = newWriter('repeat');
    const rows = [1, 2, 3, 2, 3, 4].map((seq) => recordRow(3, seq, { callId: `repeat-${seq}` }));
    expect(await writer.write(batchOf(rows))).toMatchObject({ recordsWritten: 4, recordsSkipped: 2 });
    await writer.close();
  });

  it('advances offsets for processed messages that produced no row', async () => {
    const writer = newWriter('marks');
    const stats = await writer.write(
      batchOf([], {
        offsets: new Map([
          [0, 41],
          [5, 9],
        ]),
      }),
    );
    expect(stats.recordsWritten).toBe(0);
    // Offsets never move backwards.
    await writer.write(batchOf([], { offsets: new Map([[0, 12]]) }));
    await writer.close();
    expect(await committedOffsets(database.pool, 'marks')).toEqual(
      new Map([
        [0, 41],
        [5, 9],
      ]),
    );
  });

  it('inserts each alert key once and reports the new ids', async () => {
    const writer = newWriter('alerts');
    const first = await writer.write(
      batchOf([], { alerts: [alertMessage('sdhf:3600:1:0:0'), alertMessage('sdhf:3600:2:0:0')] }),
    );
    expect(first).toMatchObject({ alertsInserted: 2, alertsDuplicate: 0 });
    const second = await writer.write(
      batchOf([], {
        alerts: [
          alertMessage('sdhf:3600:1:0:0'),
          alertMessage('sdhf:3600:3:0:0', {
            alert_severity: 'CRITICAL',
            evidence_summary: 'nul\u0000inside',
          }),
          alertMessage('sdhf:3600:3:0:0'),
        ],
      }),
    );
    await writer.close();
    expect(second).toMatchObject({ alertsInserted: 1, alertsDuplicate: 2 });
    const id = second.insertedAlertIds.get('sdhf:3600:3:0:0');
    expect(id).toBeTypeOf('number');
    const stored = await database.pool.query(
      `SELECT alert_key, episode_key, alert_severity, evidence_summary, source, reviewed, window_seconds,
              avg_duration_seconds, created_at, window_end FROM fraud_alerts WHERE id = $1`,
      [id],
    );
    expect(stored.rows[0]).toEqual({
      alert_key: 'sdhf:3600:3:0:0',
      episode_key: 'sdhf:3600:3:0',
      alert_severity: 'CRITICAL',
      evidence_summary: 'nul\uFFFDinside',
      source: 'stream',
      reviewed: false,
      window_seconds: 3_600,
      avg_duration_seconds: 1.8,
      created_at: new Date(BASE_MS + 3_600_500),
      window_end: new Date(BASE_MS + 3_600_000),
    });
    expect(await countRows(database.pool, 'fraud_alerts')).toBe(3);
  });

  it('stores dead letters with their raw bytes, once per stream position', async () => {
    const writer = newWriter('letters');
    const letter = { ...deadLetterRow(2, 10), raw: Uint8Array.from({ length: 256 }, (_v, i) => i) };
    const stats = await writer.write(batchOf([], { deadLetters: [letter, deadLetterRow(2, 11)] }));
    expect(stats.deadLettersWritten).toBe(2);
    expect(await writer.write(batchOf([], { deadLetters: [letter] }))).toMatchObject({
      deadLettersWritten: 0,
      deadLettersSkipped: 1,
    });
    await writer.close();
    const stored = await database.pool.query<{ raw: Buffer; reason: string; field: string }>(
      'SELECT raw, reason, field FROM dead_letters WHERE stream_partition = 2 AND stream_seq = 10',
    );
    expect(stored.rows[0]?.reason).toBe('invalid_caller');
    expect([...(stored.rows[0]?.raw ?? [])]).toEqual([...letter.raw]);
  });

  it('turns rows Postgres would refuse into dead letters instead of failing the batch forever', async () => {
    const writer = newWriter('rejects');
    const stats = await writer.write(
      batchOf(
        [
          recordRow(9, 1, { startMs: Number.NaN }),
          recordRow(9, 2, { durationSeconds: 2 ** 40 }),
          recordRow(9, 3),
        ],
        {
          alerts: [alertMessage('sdhf:bad', { alert_severity: 'SEVERE' as never })],
        },
      ),
    );
    await writer.close();
    expect(stats).toMatchObject({
      recordsWritten: 1,
      recordsRejected: 2,
      deadLettersWritten: 3,
      alertsInserted: 0,
    });
    const letters = await database.pool.query<{ reason: string; field: string; stream_seq: string | null }>(
      `SELECT reason, field, stream_seq::text FROM dead_letters WHERE reason IN ($1, $2) ORDER BY id`,
      [SINK_REJECTED_REASON, SINK_REJECTED_ALERT_REASON],
    );
    expect(letters.rows).toEqual([
      { reason: SINK_REJECTED_REASON, field: 'start_time', stream_seq: '1' },
      { reason: SINK_REJECTED_REASON, field: 'duration_seconds', stream_seq: '2' },
      { reason: SINK_REJECTED_ALERT_REASON, field: 'alert_severity', stream_seq: null },
    ]);
    expect((await committedOffsets(database.pool, 'rejects')).get(9)).toBe(3);
  });

  it('rejects writes after close', async () => {
    const writer = newWriter();
    await writer.close();
    await expect(writer.write(batchOf([recordRow(0, 1)]))).rejects.toBeInstanceOf(SinkClosedError);
  });
});
