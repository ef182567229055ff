/** The throwaway PostgreSQL of pg-cluster.ts, started before a test file's tests and stopped after them. */
import { after, before } from 'node:test';
import { startTestPostgres, type TestPostgres } from './pg-cluster.ts';

/** Registers hooks that start the server before a file's tests and stop it after them. */
export function postgresSuite(): { newDatabase(): Promise<string> } {
  let pg: TestPostgres | null = null;
  before(async () => {
    pg = await startTestPostgres();
  });
  after(async () => {
    await pg?.stop();
  });
  return {
    newDatabase: () => {
      if (!pg) throw new Error('PostgreSQL is not started: use the suite inside its tests');
      return pg.newDatabase();
    },
  };
}
