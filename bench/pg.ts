/**
 * The merchant server on PostgreSQL (a throwaway cluster on this machine, test/helpers/pg-cluster.ts),
 * each server instance in a process of its own (pg-instance.ts), side by side in one run:
 *
 *  - `pg_pay_per_s`: payments accepted per second, one instance, the same load as bench/server.ts;
 *  - `pg_paid_vs_free_ratio`: paid reads from prepaid credit per second ÷ the same article free;
 *  - `pg_instances_2_vs_1`: payments per second with two instances (half the connections each)
 *    ÷ one instance.
 *
 * Wall-clock rates: the work is split between the instance's process and PostgreSQL's backends,
 * so this process's CPU time says nothing. All of it shares this machine's 2 cores with the load
 * generator and PostgreSQL itself, which bounds what a second instance can add.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/server/config.ts';
import { ServerKeys } from '../src/server/keys.ts';
import { PostgresChannelStore } from '../src/server/store/postgres/postgres-store.ts';
import { startTestPostgres } from '../test/helpers/pg-cluster.ts';
import { runLoad } from './load.ts';
import { paidAndFree, paymentLoad, readLoad, SEED, warmUp, type LoadTarget } from './server.ts';

/** Fewer requests than bench/server.ts's: a PostgreSQL payment waits for several round trips and a WAL flush. */
const PAYMENTS_PER_CONNECTION = 250;
const READS_PER_CONNECTION = 400;

const INSTANCE_SCRIPT = fileURLToPath(new URL('./pg-instance.ts', import.meta.url));

interface Instance {
  port: number;
  stop(): Promise<void>;
}

async function startInstance(url: string): Promise<Instance> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', INSTANCE_SCRIPT, url], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve((JSON.parse(out.slice(0, nl)) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`bench instance exited with ${code}`)));
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin!.end();
      }),
  };
}

const perWallS = (r: { wallS: number; requests: number }) => r.requests / r.wallS;

export async function benchPg(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'paychan-bench-pg-'));
  const pg = await startTestPostgres();
  const instances: Instance[] = [];
  let store: PostgresChannelStore | null = null;
  try {
    const url = await pg.newDatabase();
    store = await PostgresChannelStore.open(url);
    instances.push(await startInstance(url), await startInstance(url));
    const target = (n: number): LoadTarget => ({
      store: store!,
      keys: new ServerKeys(SEED, 'regtest'),
      basePath: loadConfig({ env: {}, overrides: {} }).basePath,
      ports: instances.slice(0, n).map((i) => i.port),
    });
    for (const n of [1, 2]) await warmUp(dir, await readLoad(target(n), 100));
    // One instance, then two, then one again: the better of the single runs counts against the pair.
    const one = perWallS(await runLoad(dir, (await paymentLoad(target(1), PAYMENTS_PER_CONNECTION)).streams, 'payment'));
    const two = perWallS(await runLoad(dir, (await paymentLoad(target(2), PAYMENTS_PER_CONNECTION)).streams, 'payment'));
    const oneAgain = perWallS(await runLoad(dir, (await paymentLoad(target(1), PAYMENTS_PER_CONNECTION)).streams, 'payment'));
    const { paidPerS, freePerS } = await paidAndFree(dir, await readLoad(target(1), READS_PER_CONNECTION), perWallS);
    const pg_pay_per_s = Math.round(Math.max(one, oneAgain));
    return {
      pg_pay_per_s,
      pg_pay_2_instances_per_s: Math.round(two),
      pg_instances_2_vs_1: Math.round((two / pg_pay_per_s) * 1000) / 1000,
      pg_paid_per_s: Math.round(paidPerS),
      pg_free_per_s: Math.round(freePerS),
      pg_paid_vs_free_ratio: Math.round((paidPerS / freePerS) * 1000) / 1000,
    };
  } finally {
    for (const i of instances) await i.stop();
    await store?.close();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
