import { Type } from '@sinclair/typebox';
import { ConfigError, loadConfig } from './config';

const Schema = Type.Object({
  HTTP_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8081 }),
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://', description: 'the database' }),
  VERBOSE: Type.Boolean({ default: false }),
});

describe('loadConfig', () => {
  it('converts numbers and booleans and applies defaults', () => {
    expect(loadConfig(Schema, { DATABASE_URL: 'postgres://x/y', VERBOSE: 'true' })).toEqual({
      HTTP_PORT: 8081,
      DATABASE_URL: 'postgres://x/y',
      VERBOSE: true,
    });
  });

  it('fails naming every bad or missing variable', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig(Schema, { HTTP_PORT: 'eighty' });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems.join('\n')).toMatch(/HTTP_PORT/);
    expect(error!.problems.join('\n')).toMatch(/DATABASE_URL: .*\(the database\)/);
  });
});
