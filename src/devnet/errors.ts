/** A request the devnet refuses; `status` is the HTTP status it answers with. */
export class DevnetError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'DevnetError';
    this.status = status;
  }
}

/**
 * A transaction the node would not accept. `code` is the bitcoind RPC error code Esplora passes
 * through (-22 undecodable, -25 missing or spent inputs, -26 rejected by policy or consensus,
 * -27 already confirmed); `reason` is Bitcoin Core's reject reason, e.g. `non-final`.
 */
export class TxRejectedError extends DevnetError {
  readonly code: number;
  readonly reason: string;

  constructor(code: number, reason: string) {
    // The body mempool.space and blockstream.info send, so clients parse one format everywhere.
    super(400, `sendrawtransaction RPC error: ${JSON.stringify({ code, message: reason })}`);
    this.name = 'TxRejectedError';
    this.code = code;
    this.reason = reason;
  }
}
