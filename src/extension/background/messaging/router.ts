/**
 * Maps the typed message map onto handlers with one envelope for success and error. Senders
 * are checked first: content scripts run inside web pages and may only use CONTENT_ALLOWED.
 */
import { CONTENT_ALLOWED, type Envelope, type MessageType, type RequestOf, type ResponseOf } from '../../shared/messages.ts';
import { toErrorInfo, WalletError } from '../../../client/lib/errors.ts';

export interface SenderContext {
  /** True for the popup and other extension pages; false for content scripts in web pages. */
  fromExtensionPage: boolean;
  /** A call from the background itself (e.g. the paywall): trusted, but not the user's activity. */
  internal?: boolean;
  /** runtime.onMessage's sender, for handlers that need the tab or frame. */
  sender?: { id?: string; url?: string; frameId?: number; tab?: { id?: number } };
}

export type Handler<T extends MessageType> = (payload: RequestOf<T>, ctx: SenderContext) => Promise<ResponseOf<T>>;

/** Handlers for any subset of the map; features (e.g. the paywall) register theirs separately. */
export type HandlerTable = { [T in MessageType]?: Handler<T> };

export interface Router {
  (message: unknown, ctx: SenderContext): Promise<Envelope<unknown>>;
  /**
   * Adds handlers for message types nobody handles yet (a second handler for a type is a bug);
   * `contentAllowed` names those among them that content scripts may send.
   */
  register(more: HandlerTable, contentAllowed?: Iterable<MessageType>): void;
}

export function createRouter(initial: HandlerTable, onUserActivity: () => Promise<void> = async () => {}): Router {
  const handlers: HandlerTable = { ...initial };
  const contentAllowed = new Set<MessageType>(CONTENT_ALLOWED);
  const route = async (message: unknown, ctx: SenderContext): Promise<Envelope<unknown>> => {
    try {
      if (!message || typeof message !== 'object') throw new WalletError('INVALID_REQUEST', 'a message is { type, payload }');
      const { type, payload } = message as { type?: unknown; payload?: unknown };
      if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(handlers, type) || !handlers[type as MessageType]) {
        throw new WalletError('INVALID_REQUEST', `unknown message type ${String(type).slice(0, 40)}`);
      }
      const t = type as MessageType;
      if (!ctx.fromExtensionPage && !contentAllowed.has(t)) throw new WalletError('FORBIDDEN', `${t} is only available to the extension's own pages`);
      // Only what a person does in the extension's pages keeps the wallet unlocked.
      if (ctx.fromExtensionPage && !ctx.internal) await onUserActivity();
      const handler = handlers[t] as (p: unknown, c: SenderContext) => Promise<unknown>;
      return { ok: true, data: await handler(payload, ctx) };
    } catch (err) {
      return { ok: false, error: toErrorInfo(err) };
    }
  };
  return Object.assign(route, {
    register(more: HandlerTable, allowed: Iterable<MessageType> = []) {
      for (const type of Object.keys(more) as MessageType[]) {
        if (handlers[type]) throw new Error(`message ${type} already has a handler`);
      }
      Object.assign(handlers, more);
      for (const t of allowed) contentAllowed.add(t);
    },
  });
}
