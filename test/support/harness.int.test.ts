import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from './databases.js';
import { connectTestNats } from './nats.js';

describe('test harness', () => {
  it('reaches a real nats-server with JetStream enabled', async () => {
    const nc = await connectTestNats();
    try {
      expect(nc.info?.jetstream).toBe(true);
    } finally {
      await nc.close();
    }
  });

  it('creates a fresh Postgres database and drops it', async () => {
    const db = await createTestDatabase();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const result = await client.query<{ current_database: string }>('SELECT current_database()');
      expect(result.rows[0]?.current_database).toBe(db.name);
    } finally {
      await client.end();
      await db.drop();
    }
  });
});
