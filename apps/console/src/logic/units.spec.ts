import { subtreeOf } from './units';

describe('the unit tree filter', () => {
  it('takes a unit and all below it, and survives a cycle in bad data', () => {
    const units = new Map(
      [
        { id: 'city', parentId: null },
        { id: 'huxi', parentId: 'city' },
        { id: 'huxi-1', parentId: 'huxi' },
        { id: 'water', parentId: 'city' },
        { id: 'a', parentId: 'b' },
        { id: 'b', parentId: 'a' },
      ].map((u) => [u.id, u]),
    );
    expect([...subtreeOf(units, 'huxi')].sort()).toEqual(['huxi', 'huxi-1']);
    expect(subtreeOf(units, 'city').size).toBe(4);
    expect([...subtreeOf(units, 'a')].sort()).toEqual(['a', 'b']);
    expect([...subtreeOf(units, 'unknown')]).toEqual(['unknown']);
  });
});
