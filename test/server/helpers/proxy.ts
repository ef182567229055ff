/** Starts the reverse proxy on 127.0.0.1 in front of `upstream`, through its JSON config file, for tests. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Devnet } from '../../../src/devnet/index.ts';
import { silentLogger } from '../../../src/server/logger.ts';
import { loadProxyConfig, startProxy, type ProxyConfig, type RunningProxy } from '../../../src/server/proxy/index.ts';
import { ChannelClient } from './channel-client.ts';
import { TEST_SEED } from './server.ts';
import { TestWallet } from './wallet.ts';

export async function startTestProxy(opts: {
  /** Without one, the proxy points at a closed port and runs no watcher: for tests that never touch the chain. */
  devnet?: Devnet;
  upstream: string;
  dir: string;
  dbPath: string;
  routes: unknown[];
  /** More settings for the config file (proxy's or library's). */
  extra?: Record<string, unknown>;
  /** Looks at the loaded config before the proxy starts. */
  inspect?: (config: ProxyConfig) => void;
}): Promise<RunningProxy> {
  const file = join(opts.dir, 'proxy.json');
  writeFileSync(
    file,
    JSON.stringify({
      upstream: opts.upstream,
      listen: { port: 0, host: '127.0.0.1' },
      routes: opts.routes,
      ...(opts.devnet ? { esploraUrl: opts.devnet.url } : { esploraUrl: 'http://127.0.0.1:9', watcher: { enabled: false } }),
      dbPath: opts.dbPath,
      seedFile: join(opts.dir, 'seed'),
      tipCacheMs: 0,
      ...opts.extra,
    }),
  );
  const config = loadProxyConfig({ file, env: {} });
  opts.inspect?.(config);
  return startProxy(config, { seed: TEST_SEED, logger: silentLogger });
}

/** A reader with a funded 50 000 sat channel at `endpoint` and 1 000 sat paid. */
export async function fundedReader(devnet: Devnet, endpoint: string): Promise<ChannelClient> {
  const wallet = new TestWallet(devnet);
  const reader = new ChannelClient(endpoint);
  await reader.open(await reader.openRequest(50_000n, wallet.script));
  reader.buildFunding([await wallet.coin(80_000n)], wallet.script);
  await reader.fund(1_000n);
  return reader;
}
