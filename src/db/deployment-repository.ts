// The deployment a database is: one row, made by its first migration.
import type { Sql } from './db.js';

export async function deploymentId(c: Sql): Promise<string> {
  const r = await c.query<{ id: string }>('SELECT id FROM deployment');
  if (!r.rows[0]) throw new Error('the database has no deployment row: run `nfvo migrate`');
  return r.rows[0].id;
}
