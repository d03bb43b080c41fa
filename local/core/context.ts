import type { LocalContext, LocalLogger } from './types';

/** A logger that drops everything (benches, measurements, tests that assert on no log). */
export const quietLog: LocalLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A context for running one service outside `startLocalCloud` (tests, benches, measurements): the local account in
 * us-east-1, in memory, real time, quiet, with the defaults `startLocalCloud` would pick; `overrides` win.
 */
export const localContext = (overrides: Partial<LocalContext> = {}): LocalContext => ({
  region: 'us-east-1',
  accountId: '000000000000',
  endpoint: 'http://localhost:4566',
  dataDir: undefined,
  timeScale: 1,
  assemblyDir: undefined,
  apiPort: 0,
  log: quietLog,
  ...overrides,
});
