/** One Esplora client per network, at the URL the settings name. */
import { EsploraClient, EsploraError, type FetchLike } from '../../chain/esplora.ts';
import type { NetworkName } from '../../core/network.ts';
import type { FeeRates } from '../shared/types.ts';
import type { SettingsService } from './settings.ts';

/** bcoin's miner on the devnet skips transactions below 2 sat/vB (toolchain notes). */
const MIN_FEE_RATE: Record<NetworkName, bigint> = { mainnet: 1n, testnet: 1n, signet: 1n, regtest: 2n };

const TIP_CACHE_MS = 10_000;

export class ChainService {
  private readonly clients = new Map<string, EsploraClient>();
  private readonly tips = new Map<NetworkName, { height: number; at: number }>();

  constructor(
    private readonly settings: SettingsService,
    private readonly fetchImpl: FetchLike = (input, init) => globalThis.fetch(input, init),
  ) {}

  async client(network: NetworkName): Promise<EsploraClient> {
    const url = this.settings.esploraUrl(await this.settings.get(), network);
    let client = this.clients.get(url);
    if (!client) {
      client = new EsploraClient(url, this.fetchImpl);
      this.clients.set(url, client);
    }
    return client;
  }

  /**
   * The chain tip. Paying asks for it on every item, so it is cached briefly: a few seconds of
   * staleness only shifts when a channel counts as near expiry, and the server checks that anyway.
   */
  async tip(network: NetworkName, opts: { fresh?: boolean } = {}): Promise<number> {
    const cached = this.tips.get(network);
    if (!opts.fresh && cached && Date.now() - cached.at < TIP_CACHE_MS) return cached.height;
    const height = await (await this.client(network)).getTipHeight();
    this.tips.set(network, { height, at: Date.now() });
    return height;
  }

  /** Fee rates in whole sat/vB, rounded up; the floor when the node has no estimate. */
  async feeRates(network: NetworkName): Promise<{ fast: bigint; normal: bigint; slow: bigint }> {
    let estimates: Record<string, number> = {};
    try {
      estimates = await (await this.client(network)).getFeeEstimates();
    } catch {
      // No estimates (a quiet regtest, a flaky server): the floor still relays.
    }
    const floor = MIN_FEE_RATE[network];
    const at = (target: number): bigint => {
      const keys = Object.keys(estimates).map(Number).sort((a, b) => a - b);
      const k = keys.find((n) => n >= target) ?? keys[keys.length - 1];
      const rate = k === undefined ? 0 : Math.ceil(estimates[String(k)] ?? 0);
      const r = BigInt(rate);
      return r > floor ? r : floor;
    };
    return { fast: at(1), normal: at(6), slow: at(144) };
  }

  static asDto(r: { fast: bigint; normal: bigint; slow: bigint }): FeeRates {
    return { fast: r.fast.toString(), normal: r.normal.toString(), slow: r.slow.toString() };
  }

  minFeeRate(network: NetworkName): bigint {
    return MIN_FEE_RATE[network];
  }

  /**
   * Broadcasts; a transaction the node already has counts as success, since broadcasting is
   * repeated on purpose (after restarts, and by both channel parties).
   */
  async broadcast(network: NetworkName, hex: string, txid: string): Promise<void> {
    const client = await this.client(network);
    try {
      await client.broadcast(hex);
    } catch (err) {
      if (err instanceof EsploraError && err.status !== 0) {
        const known = await client.getTx(txid).then(() => true, () => false);
        if (known) return;
      }
      throw err;
    }
  }
}
