/**
 * One paychan server instance in a process of its own, for the PostgreSQL benchmark's several
 * instances: `tsx bench/pg-instance.ts <postgres://…>`. Prints {"port"} once listening; stops
 * when its stdin closes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchSite } from './server.ts';

const dir = mkdtempSync(join(tmpdir(), 'paychan-bench-instance-'));
const site = await benchSite(dir, process.argv[2]!);
process.stdout.write(JSON.stringify({ port: site.port }) + '\n');
process.stdin.resume();
process.stdin.on('end', () => {
  void site.close().finally(() => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
});
