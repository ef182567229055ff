/**
 * One Esplora client per network, at the URL the settings name, checked once to serve that
 * network's chain (its genesis block); the fee rates the wallet acts on; and broadcasts that
 * tell the node's refusal from a server that could not answer.
 */
import { classifyBroadcastError } from '../../chain/broadcast-verdict.ts';
import { EsploraClient, type FetchLike } from '../../chain/esplora.ts';
import { FeeOracle, FeeRatesUnavailable, type FeeReading } from '../../chain/fee-oracle.ts';
import { minRelayOf, rateFor, type SatPerKvb } from '../../chain/fee-rates.ts';
import { GENESIS_HASHES, networkOfGenesis, type NetworkName } from '../../core/network.ts';
import type { FeeRates } from '../views.ts';
import { WalletError } from '../lib/errors.ts';
import type { SettingsService } from '../session/settings.ts';

/**
 * The floor when the backend publishes no minimum fee, in sat/kvB: Bitcoin Core's default relay
 * minimum; on the devnet 2 sat/vB, since bcoin's miner leaves cheaper transactions out (toolchain notes).
 */
const MIN_RELAY: Record<NetworkName, SatPerKvb> = { mainnet: 1000n, testnet4: 1000n, testnet3: 1000n, signet: 1000n, regtest: 2000n };

const TIP_CACHE_MS = 10_000;

/** Fee rates the wallet offers, in sat/kvB as the backend gave them, with how old the estimate behind them is. */
export interface WalletFeeRates {
  fast: SatPerKvb;
  normal: SatPerKvb;
  slow: SatPerKvb;
  /** The backend's floor. */
  minimum: SatPerKvb;
  /** Seconds since the estimate was read; more than a minute or two means the backend is not answering. */
  ageSeconds: number;
}

export class ChainService {
  private readonly clients = new Map<string, Promise<EsploraClient>>();
  private readonly oracles = new Map<EsploraClient, FeeOracle>();
  private readonly tips = new Map<NetworkName, { height: number; at: number }>();

  constructor(
    private readonly settings: SettingsService,
    private readonly fetchImpl: FetchLike = (input, init) => globalThis.fetch(input, init),
  ) {}

  /** The client for `network`, once its server has shown it serves that network's chain. */
  async client(network: NetworkName): Promise<EsploraClient> {
    const url = this.settings.esploraUrl(await this.settings.get(), network);
    const key = `${network} ${url}`;
    let client = this.clients.get(key);
    if (!client) {
      client = checkedClient(new EsploraClient(url, this.fetchImpl), network);
      this.clients.set(key, client);
      // A failed check (server down) is asked again next time; a wrong chain is refused each time.
      client.catch(() => this.clients.delete(key));
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

  /**
   * Fee rates in sat/kvB (fractional sat/vB kept, not rounded up), never below its minimum fee. A
   * backend that cannot answer gets the last good estimate, its age shown; with none ever, this
   * refuses (CHAIN_ERROR) rather than guess a rate the reader has not seen.
   */
  async feeRates(network: NetworkName): Promise<WalletFeeRates> {
    const client = await this.client(network);
    let oracle = this.oracles.get(client);
    if (!oracle) {
      oracle = new FeeOracle(() => client.getFeeRates());
      this.oracles.set(client, oracle);
    }
    let reading: FeeReading;
    try {
      reading = await oracle.current();
    } catch (err) {
      if (err instanceof FeeRatesUnavailable) throw new WalletError('CHAIN_ERROR', `${err.message}; try again in a minute`);
      throw err;
    }
    const floor = minRelayOf(reading.rates, MIN_RELAY[network]);
    const at = (target: number) => rateFor(reading.rates, target, floor) ?? floor;
    return { fast: at(1), normal: at(6), slow: at(144), minimum: floor, ageSeconds: Math.round(reading.ageMs / 1000) };
  }

  static asDto(r: WalletFeeRates): FeeRates {
    return { fast: r.fast.toString(), normal: r.normal.toString(), slow: r.slow.toString(), minimum: r.minimum.toString(), ageSeconds: r.ageSeconds };
  }

  /** The lowest rate a send may choose: the backend's minimum fee when known, else the network's. */
  async minFeeRate(network: NetworkName): Promise<SatPerKvb> {
    return (await this.feeRates(network).catch(() => null))?.minimum ?? MIN_RELAY[network];
  }

  /**
   * Broadcasts; a transaction the node already has counts as success, since broadcasting is
   * repeated on purpose (after restarts, and by both channel parties). A server that could not
   * answer (rate limit, outage) throws CHAIN_UNAVAILABLE: nothing about the transaction is known.
   */
  async broadcast(network: NetworkName, hex: string, _txid: string): Promise<void> {
    const client = await this.client(network);
    try {
      await client.broadcast(hex);
    } catch (err) {
      const failure = classifyBroadcastError(err);
      if (failure === 'already_known') return;
      if (failure === 'unavailable') throw new WalletError('CHAIN_UNAVAILABLE', `the chain server did not answer; try again later (${(err as Error).message})`);
      throw err;
    }
  }
}

/** Refuses a server whose block 0 is not `network`'s: a testnet3 server for a testnet4 wallet, say. */
async function checkedClient(client: EsploraClient, network: NetworkName): Promise<EsploraClient> {
  const genesis = await client.getBlockHash(0);
  if (genesis !== GENESIS_HASHES[network]) {
    const actual = networkOfGenesis(genesis);
    throw new WalletError('WRONG_CHAIN', `${client.baseUrl} serves ${actual ?? `an unknown chain (genesis ${genesis})`}, not ${network}: check the server address in Settings`);
  }
  return client;
}
