import { it } from 'vitest';
import { startApiHarness } from './support/api-harness.js';

it('measure', async () => {
  const h = await startApiHarness({ env: { INGEST_MAX_BYTES: String(60 * 1_048_576) } });
  try {
    const y = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const rows = ['call_date,call_time,caller_number,callee_number,duration_seconds'];
    for (let i = 0; i < 200_000; i++) rows.push(`${y},10:${String(i % 60).padStart(2, '0')}:00,23480${String(10_000_000 + (i % 5000))},23470${String(10_000_000 + i)},${i % 30}`);
    const csv = rows.join('\n');
    for (let run = 0; run < 3; run++) {
      const r = await h.app.inject({ method: 'POST', url: '/api/v1/sentinel/ingest/validate', headers: { ...h.auth, 'content-type': 'text/csv' }, payload: csv });
      const b = r.json();
      console.log(`MEASURE bytes=${csv.length} rows=${b.records_valid} seconds=${b.processing_time_seconds}`);
    }
  } finally {
    await h.close();
  }
}, 120_000);
