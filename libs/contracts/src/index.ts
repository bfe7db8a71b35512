import './formats';

export * from './common';
export * from './envelope';
export * from './events';
export * from './http';
export * from './validation';
export * from './asyncapi';
