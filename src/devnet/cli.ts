/**
 * `npm run devnet -- [--port 3002] [--host 127.0.0.1] [--data-dir DIR] [--block-interval SECONDS]`
 * plus the behaviour switches (behaviour.ts): `--flavour mempool|esplora`, `--rate-limit FRACTION`,
 * `--rate-limit-status 429|403|503`, `--retry-after SECONDS`, `--rate-limit-seed N`,
 * `--rate-limit-match 'POST /tx'`, `--fee-rates '{"1":0.5,"6":0.25}'`, `--fees-down`,
 * `--utxo-limit N`, `--lose-broadcast-answers`.
 * Runs the devnet until SIGINT or SIGTERM, then closes the HTTP server and the node and exits 0.
 */
import { parseArgs } from 'node:util';
import { BehaviourSwitch, type Behaviour } from './behaviour.ts';
import { startDevnet } from './index.ts';

function usage(message: string): never {
  console.error(`devnet: ${message}`);
  console.error('usage: devnet [--port 3002] [--host 127.0.0.1] [--data-dir DIR] [--block-interval SECONDS]');
  console.error('              [--flavour mempool|esplora] [--rate-limit FRACTION] [--rate-limit-status 429|403|503]');
  console.error('              [--retry-after SECONDS] [--rate-limit-seed N] [--rate-limit-match "POST /tx"]');
  console.error('              [--fee-rates JSON] [--fees-down] [--utxo-limit N] [--lose-broadcast-answers]');
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
      flavour: { type: 'string' },
      'rate-limit': { type: 'string' },
      'rate-limit-status': { type: 'string' },
      'retry-after': { type: 'string' },
      'rate-limit-seed': { type: 'string' },
      'rate-limit-match': { type: 'string' },
      'fee-rates': { type: 'string' },
      'fees-down': { type: 'boolean' },
      'utxo-limit': { type: 'string' },
      'lose-broadcast-answers': { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (err) {
  usage((err as Error).message);
}

/** The switches the flags name, checked as the HTTP control endpoint checks them. */
function behaviourFromFlags(v: Record<string, string | boolean | undefined>): Partial<Behaviour> {
  const patch: Record<string, unknown> = {};
  const rateLimit: Record<string, unknown> = {};
  const num = (text: string | boolean | undefined, flag: string) => {
    const n = Number(text);
    if (typeof text !== 'string' || text.trim() === '' || !Number.isFinite(n)) usage(`${flag} must be a number`);
    return n;
  };
  if (v.flavour !== undefined) patch.flavour = v.flavour;
  if (v['fees-down']) patch.feesDown = true;
  if (v['lose-broadcast-answers']) patch.loseBroadcastAnswers = true;
  if (v['utxo-limit'] !== undefined) patch.utxoLimit = num(v['utxo-limit'], '--utxo-limit');
  if (v['fee-rates'] !== undefined) {
    try {
      patch.feeRates = JSON.parse(String(v['fee-rates'])) as unknown;
    } catch {
      usage('--fee-rates must be JSON, e.g. {"1":0.5,"6":0.25}');
    }
  }
  if (v['rate-limit'] !== undefined) rateLimit.fraction = num(v['rate-limit'], '--rate-limit');
  if (v['rate-limit-status'] !== undefined) rateLimit.status = num(v['rate-limit-status'], '--rate-limit-status');
  if (v['retry-after'] !== undefined) rateLimit.retryAfterSeconds = num(v['retry-after'], '--retry-after');
  if (v['rate-limit-seed'] !== undefined) rateLimit.seed = num(v['rate-limit-seed'], '--rate-limit-seed');
  if (v['rate-limit-match'] !== undefined) rateLimit.match = v['rate-limit-match'];
  if (Object.keys(rateLimit).length > 0) patch.rateLimit = rateLimit;
  try {
    return new BehaviourSwitch().set(patch);
  } catch (err) {
    usage((err as Error).message);
  }
}

const devnet = await startDevnet({
  behaviour: behaviourFromFlags(values),
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
