/** The bodies and answers of the HTTP API, one file per service that serves them. */
export * from './cases';
export * from './dispatch';
export * from './collaboration';
export * from './escalation';
export * from './assessment';
export * from './notification';
