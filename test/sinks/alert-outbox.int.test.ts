/**
 * The alert outbox (migration 0005): a stream alert is stored with its partition, read back unmarked as the
 * very message it was stored from, and gone from the outbox once marked; a fenced partition's alerts are not
 * stored; rows without a partition (written before the migration, or by `/detect/sdhf`) are never read back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresBatchWriter } from '../../src/sinks/index.js';
import {
  alertMessage,
  createMigratedDatabase,
  recordRow,
  silentLogger,
  type MigratedDatabase,
} from './support/sink-fixtures.js';

describe('alert outbox', () => {
  let database: MigratedDatabase;

  beforeAll(async () => {
    database = await createMigratedDatabase();
  });

  afterAll(async () => {
    await database.close();
  });

  it('stores alerts with their partition and reads back the unmarked ones as they were', async () => {
    const writer = new PostgresBatchWriter({
      connectionString: database.db.url,
      consumer: 'alert-outbox',
      logger: silentLogger,
    });
    await database.pool.query(
      "INSERT INTO sink_offsets (consumer, partition, last_seq, epoch) VALUES ('alert-outbox', 9, 0, 5)",
    );
    // created_at is the wall time the engine derived the alert: now.
    const createdAt = new Date().toISOString();
    const ours = [
      alertMessage('sdhf:600:2348012345678:0:0', { created_at: createdAt }),
      alertMessage('sdhf:3600:2348012345678:0:0', { created_at: createdAt }),
    ];
    const fenced = alertMessage('sdhf:600:2348099999999:0:0', { suspect_number: '2348099999999' });
    const stats = await writer.write({
      records: [recordRow(4, 1), recordRow(9, 1)],
      alerts: [...ours, fenced],
      alertPartitions: [4, 4, 9],
      deadLetters: [],
      offsets: new Map(),
      epochs: new Map([
        [4, 1],
        [9, 2],
      ]),
    });
    expect(stats.fencedPartitions).toEqual([9]);
    expect(stats.alertsInserted).toBe(2);
    // A detection written by /detect/sdhf: no partition, never in an outbox.
    await database.pool.query(
      `INSERT INTO fraud_alerts (alert_key, episode_key, alert_type, detection_rule, rule, suspect_number,
         alert_severity, evidence_summary, call_count, unique_destinations, avg_duration_seconds, source)
       VALUES ('detect:1', 'detect:1', 'SDHF_SIMBOX', 'SDHF_001', 'sdhf', '2348012345678', 'LOW', 'x', 1, 1, 1, 'detect')`,
    );

    const unpublished = await writer.unpublishedAlerts(4, 100);
    expect(unpublished.map((stored) => stored.alert)).toEqual(ours);
    expect(unpublished.map((stored) => stored.id)).toEqual(
      ours.map((a) => stats.insertedAlertIds.get(a.alert_key)),
    );
    expect(unpublished.every((stored) => stored.partition === 4)).toBe(true);
    expect(await writer.unpublishedAlerts(9, 100)).toEqual([]);
    expect(await writer.unpublishedAlerts(4, 100, 60_000)).toEqual([]);

    expect(await writer.markAlertsPublished([unpublished[0]!.id])).toBe(1);
    expect((await writer.unpublishedAlerts(4, 100)).map((stored) => stored.alert.alert_key)).toEqual([
      ours[1]!.alert_key,
    ]);
    await writer.close();
  });
});
