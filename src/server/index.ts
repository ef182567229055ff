/** Paychan's merchant server library. */
export { createPaychan, type Paychan, type PaychanOptions, type Handler } from './paychan.ts';
export { loadConfig, DEFAULT_CONFIG, type PaychanConfig, type ConfigInput, type LoadConfigOptions } from './config.ts';
export type { Price, Middleware, Next, PaidRequest } from './paywall.ts';
export type { RoutePattern } from './routes.ts';
export { challengeMessage, challengePage, PAYCHAN_INSTALL_URL, type ChallengePageInfo, type ChallengePageTemplate } from './challenge-page.ts';
export { jsonLogger, silentLogger, type Logger, type LogLevel } from './logger.ts';
export { ServerKeys, loadSeed, createKeyFile, SEED_ENV } from './keys.ts';
export { checkChainBackend, ChainCheckError, type ChainCheckResult } from './chain-check.ts';
export { healthReport, type HealthReport } from './health.ts';
export { cachedTip, fixedTip, type ChainBackend, type TipSource } from './chain.ts';
export type * from './store/channel-store.ts';
export { SqliteChannelStore } from './store/sqlite-store.ts';
export { nativeSecp, serverSecp } from './native-secp.ts';
export { tinySecp } from './tiny-secp.ts';
export { SettlementWatcher, isWatcherChain, type WatcherChain, type TickReport, type Scheduler } from './watcher/index.ts';
export { startAdminListener, startAdminServer, writeTokenFile, readTokenFile, ADMIN_CODES, type AdminListenerOptions, type AdminServer } from './admin-api/index.ts';
