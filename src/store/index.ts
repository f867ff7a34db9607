export { Store, DEFAULT_MAX_PENDING, type StoredCounts, type ViolationSample, type StoreState, type StoreHealth, type StoreEvent, type StoreOptions, type FlushResult, type CloseResult } from './store.js';
export type { PendingKind } from './pending.js';
