/** Paychan's protocol core: pure functions and state machines, no I/O. See docs/protocol.md. */
export * from './amounts.ts';
export * from './auth-params.ts';
export * from './bytes.ts';
export * from './channel.ts';
export * from './errors.ts';
export * from './http-binding.ts';
export * from './messages.ts';
export * from './network.ts';
export * from './payment.ts';
export * from './script.ts';
export * from './secp.ts';
export * from './site.ts';
export * from './terms.ts';
export * from './transactions.ts';
export * as client from './client-channel.ts';
export * as server from './server-channel.ts';
