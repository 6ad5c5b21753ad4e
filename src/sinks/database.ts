/** How the schema functions accept a database: a pool (they borrow one client) or a client they use as is. */
import pg from 'pg';

export type Database = pg.Pool | pg.ClientBase;

export async function withConnection<T>(
  db: Database,
  work: (client: pg.ClientBase) => Promise<T>,
): Promise<T> {
  if (!(db instanceof pg.Pool)) return await work(db);
  const client = await db.connect();
  let broken: Error | undefined;
  try {
    return await work(client);
  } catch (error) {
    // A client whose transaction or session state is unknown must not go back into the pool.
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
  }
}

/** Runs `work` in a transaction; rolls back (and rethrows) when it fails. */
export async function inTransaction<T>(client: pg.ClientBase, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
