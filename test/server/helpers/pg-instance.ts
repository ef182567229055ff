/**
 * One server instance in a process of its own, on a PostgreSQL database and the devnet's
 * Esplora, with its settlement watcher on a real timer: for the failover test, which kills it.
 * Prints its URL on stdout. `hang` makes every broadcast wait forever, so the instance can be
 * killed between storing a settlement and the node hearing of it.
 *
 *   tsx pg-instance.ts <postgres-url> <esplora-url> <ok|hang>
 */
import { EsploraClient } from '../../../src/chain/esplora.ts';
import type { WatcherChain } from '../../../src/server/watcher/index.ts';
import { WATCHED_CONFIG } from '../watcher-fixture.ts';
import { startServer } from './server.ts';

const [dbPath, esploraUrl, mode] = process.argv.slice(2);
const esplora = new EsploraClient(esploraUrl!);
const chain: WatcherChain = {
  getTipHeight: () => esplora.getTipHeight(),
  getFeeRates: () => esplora.getFeeRates(),
  getTxStatus: (txid) => esplora.getTxStatus(txid),
  getTx: (txid) => esplora.getTx(txid),
  getOutspend: (txid, vout) => esplora.getOutspend(txid, vout),
  broadcast: (hex) => (mode === 'hang' ? new Promise<string>(() => undefined) : esplora.broadcast(hex)),
};
const srv = await startServer({
  dbPath: dbPath!,
  chain,
  config: { ...WATCHED_CONFIG, esploraUrl: esploraUrl!, watcher: { enabled: true, intervalMs: 200 } },
});
srv.paychan.route('/item/*', 10n);
process.stdout.write(JSON.stringify({ url: srv.url, endpoint: srv.endpoint }) + '\n');
process.stdin.resume();
process.stdin.on('end', () => void srv.stop().then(() => process.exit(0)));
