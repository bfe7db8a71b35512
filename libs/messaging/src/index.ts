export * from './port';
export * from './backoff';
export * from './outbox';
export * from './counters';
export * from './consumer';
export * from './kafka-transport';
export * from './migration';
export * from './postgres-bus';
