import { valuesOf } from './data-source';

describe('valuesOf', () => {
  it('numbers the placeholders row after row', () => {
    expect(valuesOf([['a', 1], ['b', null]])).toEqual({ sql: '($1, $2), ($3, $4)', params: ['a', 1, 'b', null] });
  });
});
