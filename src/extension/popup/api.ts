/**
 * The UI's only way to the background: one typed call, one envelope, errors as ApiError with the
 * background's code. The UI never touches storage or keys.
 */
import browser from 'webextension-polyfill';
import { POPUP_PORT, type Envelope, type MessageType, type RequestOf, type ResponseOf } from '../shared/messages.ts';
import type { BackgroundEvent } from '../shared/types.ts';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, string | number>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export async function call<T extends MessageType>(type: T, payload: RequestOf<T>): Promise<ResponseOf<T>> {
  let env: Envelope<ResponseOf<T>> | undefined;
  try {
    env = (await browser.runtime.sendMessage({ type, payload })) as Envelope<ResponseOf<T>> | undefined;
  } catch (err) {
    throw new ApiError('UNREACHABLE', `The wallet did not answer (${(err as Error).message}). Try closing and reopening this window.`);
  }
  if (!env) throw new ApiError('UNREACHABLE', 'The wallet did not answer. Try closing and reopening this window.');
  if (!env.ok) throw new ApiError(env.error.code, env.error.message, env.error.details);
  return env.data;
}

/** Live updates while the popup is open; answers an unsubscribe. */
export function subscribe(listener: (e: BackgroundEvent) => void): () => void {
  try {
    const port = browser.runtime.connect({ name: POPUP_PORT });
    port.onMessage.addListener((m: unknown) => listener(m as BackgroundEvent));
    return () => port.disconnect();
  } catch {
    return () => undefined;
  }
}

export async function activeTabId(): Promise<number | undefined> {
  try {
    const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
    return tab?.id;
  } catch {
    return undefined;
  }
}

/** The devnet's faucet (regtest only): the devnet serves it next to its Esplora API. */
export async function devnetFaucet(esploraUrl: string, address: string, sats: bigint): Promise<string> {
  const res = await fetch(`${esploraUrl.replace(/\/$/, '')}/devnet/faucet`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ address, sats: sats.toString() }),
  });
  const text = await res.text();
  if (!res.ok) throw new ApiError('FAUCET', `The devnet faucet refused: ${text.slice(0, 200)}`);
  return (JSON.parse(text) as { txid: string }).txid;
}
