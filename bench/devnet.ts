import { startDevnet } from '../src/devnet/index.ts';

const STARTS = 3;

/**
 * `devnet_startup_ms`: from calling startDevnet (in memory, random port) until it resolves,
 * activation blocks mined and HTTP listening; the median of three fresh starts.
 */
export async function benchDevnet(): Promise<Record<string, number>> {
  const times: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const started = performance.now();
    const devnet = await startDevnet({ port: 0 });
    times.push(performance.now() - started);
    await devnet.stop();
  }
  times.sort((a, b) => a - b);
  return { devnet_startup_ms: Math.round(times[Math.floor(STARTS / 2)]!) };
}
