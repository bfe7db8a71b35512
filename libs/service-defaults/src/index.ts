export * from './config';
export * from './problem';
export * from './http';
export * from './health';
export * from './runtime';
export * from './bootstrap';
export * from './domain-service';
