export { startProxy, type ProxyOptions, type RunningProxy, type ServiceDefinition, type ReloadResult, type SpecLoader } from './proxy.js';
export { Ledger, type ConformanceReport, type ExchangeRecord } from '../ledger/ledger.js';
export { ConsumerIdentifier, type Consumer } from './consumers.js';
