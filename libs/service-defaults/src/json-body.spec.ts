import { duplicateJsonKeys, jsonBodyProblems } from './json-body';

describe('JSON bodies before validation', () => {
  it('passes ordinary bodies, Chinese and emoji included', () => {
    expect(jsonBodyProblems({ title: '水管爆裂 🚰', description: 'line one\nline two\ttabbed', attachments: ['a', 'b'], location: { point: { lat: 1, lon: 2 } } })).toEqual([]);
  });

  it('names the field nested too deep, without overflowing on thousands of levels', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 5000; i += 1) deep = [deep];
    const [error] = jsonBodyProblems({ text: 'note', attachments: deep });
    expect(error.field).toMatch(/^attachments(\.0)+$/);
    expect(error.detail).toBe('is nested deeper than 32 levels');
    expect(jsonBodyProblems(deep)).toHaveLength(1);
  });

  it('names text with control characters or unpaired surrogates, in values and in keys', () => {
    expect(jsonBodyProblems({ description: 'bell \u0007 and escape \u001b' })).toEqual([
      { pointer: '/description', field: 'description', detail: 'must not contain control characters (other than tab and line breaks)' },
    ]);
    expect(jsonBodyProblems({ caller: { name: 'a\ud800b' } })[0]).toMatchObject({ pointer: '/caller/name', field: 'caller.name' });
    expect(jsonBodyProblems({ units: ['ok', '\udfff'] })[0]).toMatchObject({ field: 'units.1' });
    expect(jsonBodyProblems({ 'bad\u0000key': 1 })[0]).toMatchObject({ field: 'bad\u0000key' });
  });
});

describe('duplicate keys in a JSON text', () => {
  it('names each key given twice in one object, at any depth, and nothing else', () => {
    expect(duplicateJsonKeys('{"title":"a","description":"b","title":"c"}')).toEqual(['/title']);
    expect(duplicateJsonKeys('{"caller":{"name":"x","phone":"1","name":"y"},"list":[{"a":1},{"a":2}]}')).toEqual(['/caller/name']);
    expect(duplicateJsonKeys('[{"a":1,"b":{"a":2}},{"a":1,"a":3}]')).toEqual(['/1/a']);
    // Escaped quotes and a key spelled with an escape are read as what they say.
    expect(duplicateJsonKeys('{"t":"say \\"t\\":1","\\u0074":2}')).toEqual(['/t']);
    expect(duplicateJsonKeys('{"a/b":1,"a/b":2}')).toEqual(['/a~1b']);
    expect(duplicateJsonKeys('{"x":"{\\"x\\":1,\\"x\\":2}"}')).toEqual([]);
  });
});
