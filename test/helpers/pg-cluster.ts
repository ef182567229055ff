/**
 * A real PostgreSQL for tests: a throwaway cluster made with Debian's `postgresql` binaries
 * (installed through scripts/ensure-browser.sh when missing), `initdb -A trust` in a temporary
 * directory, listening on a loopback port, stopped and removed when the test file ends. Each
 * caller gets a fresh database in it, so tests never see each other's rows.
 *
 * PAYCHAN_TEST_PG_URL (a superuser's URL, e.g. postgres://me@db.example/postgres) replaces the
 * throwaway cluster with an outside server; the tests still run, in fresh databases there.
 *
 * initdb refuses to run as root: as root (CI) the cluster belongs to the `postgres` user the
 * package creates, in a directory handed to it.
 *
 * Free of node:test, so the benchmarks start their cluster with it too; postgres.ts ties it to a
 * test file's hooks.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TestPostgres {
  /** A URL to a new, empty database on the server. */
  newDatabase(): Promise<string>;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function binDir(): string {
  const find = () => {
    if (!existsSync('/usr/lib/postgresql')) return null;
    const majors = readdirSync('/usr/lib/postgresql')
      .filter((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`))
      .sort((a, b) => Number(b) - Number(a));
    return majors[0] ? `/usr/lib/postgresql/${majors[0]}/bin` : null;
  };
  let dir = find();
  if (!dir) {
    const r = spawnSync('sh', [join(ROOT, 'scripts/ensure-browser.sh'), 'postgres'], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error('PostgreSQL is missing and could not be installed (apt-get install postgresql)');
    dir = find();
  }
  if (!dir) throw new Error('PostgreSQL was installed but no initdb was found under /usr/lib/postgresql');
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let counter = 0;

/** Creates a database named after this process on the server at `adminUrl`, and returns its URL. */
async function createDatabase(adminUrl: string): Promise<string> {
  const { default: pg } = await import('pg');
  const name = `paychan_test_${process.pid}_${Date.now().toString(36)}_${++counter}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.href;
}

async function startCluster(): Promise<TestPostgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'paychan-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  const run = (cmd: string, args: string[]) => {
    const r = asRoot
      ? spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', [cmd, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')], { encoding: 'utf8' })
      : spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'paychan', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -c max_connections=200`;
  run(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    try {
      run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  // A test process that ends early (an uncaught error, the runner's SIGTERM, ^C) must not leave a server running.
  process.once('exit', stopSync);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stopSync();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
  const adminUrl = `postgres://paychan@127.0.0.1:${port}/postgres`;
  return {
    newDatabase: () => createDatabase(adminUrl),
    stop: async () => stopSync(),
  };
}

/** The outside server of PAYCHAN_TEST_PG_URL, else a throwaway cluster. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const outside = process.env.PAYCHAN_TEST_PG_URL;
  if (outside) return { newDatabase: () => createDatabase(outside), stop: async () => undefined };
  return startCluster();
}
