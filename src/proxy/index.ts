export { startProxy, type ProxyOptions, type RunningProxy } from './proxy.js';
export { ConformanceStats, type ConformanceReport } from './stats.js';
export { ConsumerIdentifier, type Consumer } from './consumers.js';
