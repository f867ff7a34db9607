export { Store, type StoredCounts, type ViolationSample } from './store.js';
