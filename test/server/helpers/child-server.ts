/**
 * A second server process on the same SQLite file, for the cross-process race test. Prints its
 * URL on stdout, serves `/item/*` at the price given, and exits when stdin closes.
 */
import { fixedTip } from '../../../src/server/chain.ts';
import { startServer } from './server.ts';
import { stubChain } from './synthetic-channel.ts';

const [dbPath, price] = process.argv.slice(2);
const srv = await startServer({ dbPath: dbPath!, chain: stubChain(), tip: fixedTip(1_000) });
srv.paychan.route('/item/*', BigInt(price!));
process.stdout.write(JSON.stringify({ url: srv.url, endpoint: srv.endpoint }) + '\n');
process.stdin.resume();
process.stdin.on('end', () => void srv.stop().then(() => process.exit(0)));
