/**
 * Runs bcoin's consensus script interpreter (the one its full node validates blocks with) over
 * a transaction's inputs, so core tests check witnesses against real Bitcoin script semantics
 * without a node.
 */
import { createRequire } from 'node:module';

process.env.NODE_BACKEND = 'js';
const require = createRequire(import.meta.url);

interface BcoinScript {
  fromRaw(raw: Buffer): unknown;
  verify(input: unknown, witness: unknown, output: unknown, tx: unknown, index: number, value: number, flags: number): void;
  flags: Record<string, number>;
}
interface BcoinModule {
  TX: { fromRaw(raw: Buffer): { inputs: { script: unknown; witness: unknown }[] } };
  Script: BcoinScript;
}

const bcoin = require('bcoin') as BcoinModule;

export interface Prevout {
  script: Uint8Array;
  value: bigint;
}

/** Throws bcoin's ScriptError (with its `code`, e.g. UNSATISFIED_LOCKTIME) if any input fails. */
export function verifyScripts(txHex: string, prevouts: readonly Prevout[], flags = bcoin.Script.flags.STANDARD_VERIFY_FLAGS!): void {
  const tx = bcoin.TX.fromRaw(Buffer.from(txHex, 'hex'));
  tx.inputs.forEach((input, i) => {
    const prev = prevouts[i];
    if (!prev) throw new Error(`no prevout for input ${i}`);
    bcoin.Script.verify(input.script, input.witness, bcoin.Script.fromRaw(Buffer.from(prev.script)), tx, i, Number(prev.value), flags);
  });
}
