/**
 * `npm run devnet -- [--port 3002] [--host 127.0.0.1] [--data-dir DIR] [--block-interval SECONDS]`
 * Runs the devnet until SIGINT or SIGTERM, then closes the HTTP server and the node and exits 0.
 */
import { parseArgs } from 'node:util';
import { startDevnet } from './index.ts';

function usage(message: string): never {
  console.error(`devnet: ${message}`);
  console.error('usage: devnet [--port 3002] [--host 127.0.0.1] [--data-dir DIR] [--block-interval SECONDS]');
  process.exit(2);
}

function wholeNumber(value: string, flag: string, max: number): number {
  if (!/^(0|[1-9][0-9]*)$/.test(value) || Number(value) > max) usage(`${flag} must be a whole number up to ${max}`);
  return Number(value);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: '3002' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string' },
      'block-interval': { type: 'string', default: '0' },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (err) {
  usage((err as Error).message);
}

const devnet = await startDevnet({
  port: wholeNumber(values.port, '--port', 65535),
  host: values.host,
  blockInterval: wholeNumber(values['block-interval'], '--block-interval', 86_400),
  ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
});

console.log(`devnet: Esplora API at ${devnet.url} (regtest, tip height ${await devnet.tipHeight()})`);
console.log(`devnet: faucet  curl -X POST ${devnet.url}/devnet/faucet -d '{"address":"bcrt1...","sats":100000}'`);
console.log(`devnet: mine    curl -X POST ${devnet.url}/devnet/mine -d '{"blocks":1}'`);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`devnet: ${signal}, stopping`);
  try {
    await devnet.stop();
    process.exit(0);
  } catch (err) {
    console.error(`devnet: failed to stop cleanly: ${(err as Error).message}`);
    process.exit(1);
  }
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
