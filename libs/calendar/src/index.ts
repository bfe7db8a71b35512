export * from './working-calendar';
export * from './default-calendar';
