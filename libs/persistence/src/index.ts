export * from './data-source';
export * from './seed';
