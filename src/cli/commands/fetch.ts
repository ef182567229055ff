/** `paychan fetch URL [-o FILE] [--max-price N] [--budget N] [--max-deposit N] [-X METHOD] [-d DATA] [-H 'K: V']`. */
import { writeFileSync } from 'node:fs';
import type { HostCaps } from '../../client/node/caps.ts';
import { openPaychanClient } from '../../client/node/paychan-client.ts';
import { CliError, EXIT, password, satsArg, usage, type CliIO } from '../io.ts';
import { existingWalletPath, type GlobalOptions } from '../wallet-context.ts';

export interface FetchOptions extends GlobalOptions {
  output?: string | undefined;
  'max-price'?: string | undefined;
  budget?: string | undefined;
  'max-deposit'?: string | undefined;
  method?: string | undefined;
  data?: string | undefined;
  header?: string[] | undefined;
}

export async function fetchCommand(args: string[], opts: FetchOptions, io: CliIO): Promise<number> {
  const [url] = args;
  if (!url || args.length > 1) throw usage('usage: paychan fetch URL [-o FILE] [--max-price N] [--budget N] [--max-deposit N]');
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw usage(`not an http(s) URL: ${url}`);
  }
  const caps: Partial<HostCaps> = {};
  const maxPrice = satsArg(opts['max-price'], '--max-price');
  const budget = satsArg(opts.budget, '--budget');
  const maxDeposit = satsArg(opts['max-deposit'], '--max-deposit');
  if (maxPrice !== undefined) caps.maxPrice = maxPrice;
  if (budget !== undefined) caps.budget = budget;
  if (maxDeposit !== undefined) caps.maxDeposit = maxDeposit;
  const headers = new Headers();
  for (const h of opts.header ?? []) {
    const i = h.indexOf(':');
    if (i <= 0) throw usage(`-H takes 'Name: value', got ${h}`);
    headers.append(h.slice(0, i).trim(), h.slice(i + 1).trim());
  }
  const client = await openPaychanClient({ path: existingWalletPath(opts, io), password: await password(io), caps });
  try {
    const res = await client.fetch(url, {
      method: opts.method ?? (opts.data !== undefined ? 'POST' : 'GET'),
      headers,
      ...(opts.data !== undefined ? { body: opts.data } : {}),
    });
    const body = new Uint8Array(await res.arrayBuffer());
    if (opts.output) writeFileSync(opts.output, body);
    else io.out(body);
    if (!res.ok) throw new CliError(EXIT.FAILED, `HTTP ${res.status} ${res.statusText} from ${url}`);
  } finally {
    await client.close();
  }
  return EXIT.OK;
}
