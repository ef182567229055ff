/**
 * The JSON shapes of the Esplora REST API (Blockstream/esplora API.md, serialised as
 * Blockstream/electrs `src/rest.rs` does), shared by the devnet that serves them and the client
 * that reads them. `S` is the type of satoshi amounts: `number` on the wire, `bigint` once the
 * client has checked and converted them.
 *
 * The `*_asm` fields real Esplora servers also send are left out: nothing here reads them.
 */

/** Confirmation status. The block fields are present exactly when `confirmed` is true. */
export interface EsploraTxStatus {
  confirmed: boolean;
  block_height?: number;
  block_hash?: string;
  /** Block header timestamp, seconds since the epoch. */
  block_time?: number;
}

export interface EsploraVout<S> {
  /** Output script, hex. */
  scriptpubkey: string;
  /** `p2pkh`, `p2sh`, `v0_p2wpkh`, `v0_p2wsh`, `v1_p2tr`, `op_return`, `p2pk`, `empty` or `unknown`. */
  scriptpubkey_type: string;
  /** Absent when the script has no address form. */
  scriptpubkey_address?: string;
  value: S;
}

export interface EsploraVin<S> {
  /** For a coinbase input: 64 zeros. */
  txid: string;
  /** For a coinbase input: 4294967295. */
  vout: number;
  /** The output being spent; null for a coinbase input. */
  prevout: EsploraVout<S> | null;
  /** Input script, hex. */
  scriptsig: string;
  /** Witness stack items, hex; absent when the input has no witness. */
  witness?: string[];
  is_coinbase: boolean;
  sequence: number;
}

export interface EsploraTx<S> {
  txid: string;
  version: number;
  locktime: number;
  vin: EsploraVin<S>[];
  vout: EsploraVout<S>[];
  /** Serialised size in bytes, witness included. */
  size: number;
  weight: number;
  /** Inputs minus outputs; 0 for a coinbase transaction. */
  fee: S;
  status: EsploraTxStatus;
}

export interface EsploraUtxo<S> {
  txid: string;
  vout: number;
  value: S;
  status: EsploraTxStatus;
}

/** Whether an output is spent and by which input. The spender fields appear only when spent. */
export interface EsploraOutspend {
  spent: boolean;
  txid?: string;
  vin?: number;
  status?: EsploraTxStatus;
}

export interface EsploraAddressStats<S> {
  tx_count: number;
  funded_txo_count: number;
  funded_txo_sum: S;
  spent_txo_count: number;
  spent_txo_sum: S;
}

export interface EsploraAddress<S> {
  address: string;
  chain_stats: EsploraAddressStats<S>;
  mempool_stats: EsploraAddressStats<S>;
}

/** Confirmation target in blocks (as a decimal string key) → fee rate in sat/vB (may be fractional). */
export type EsploraFeeEstimates = Record<string, number>;
