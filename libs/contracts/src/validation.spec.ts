import { CaseReceived, CreateCaseRequest, newEvent, validationErrors, assertValid, ValidationFailed } from './index';

describe('contract validation', () => {
  it('accepts a complete request', () => {
    expect(
      validationErrors(CreateCaseRequest, {
        title: 'Leak',
        description: 'Water on the road',
        category: 'water.leak',
        location: { point: { lat: 31.2, lon: 121.5 } },
      }),
    ).toEqual([]);
  });

  it('names every bad field once, as a JSON pointer and a dotted name', () => {
    const errors = validationErrors(CreateCaseRequest, {
      description: 'x'.repeat(5001),
      category: 'Not A Code',
      location: { point: { lat: 91, lon: 0 } },
    });
    const fields = errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['title', 'description', 'category', 'location.point.lat']));
    expect(new Set(fields).size).toBe(fields.length);
    expect(errors.find((e) => e.field === 'location.point.lat')!.pointer).toBe('/location/point/lat');
  });

  it('refuses NUL characters, which PostgreSQL cannot store', () => {
    const errors = validationErrors(CreateCaseRequest, { title: 'a\u0000b', description: 'd', category: 'a.b' });
    expect(errors.map((e) => e.field)).toEqual(['title']);
  });

  it('refuses fields the contract does not know', () => {
    const errors = validationErrors(CreateCaseRequest, { title: 't', description: 'd', category: 'a.b', colour: 'red' });
    expect(errors).toHaveLength(1);
  });

  it('checks event envelopes including their data and formats', () => {
    const event = newEvent(CaseReceived, {
      caseId: '6f1c7a34-2c63-4e57-9a3a-0f3f0a1b2c3d',
      unitId: null,
      data: {
        title: 't',
        description: 'd',
        category: 'water.leak',
        tier: 'immediate',
        channel: 'web',
        reporter: { subject: 's' },
        receivedAt: new Date().toISOString(),
      },
    });
    expect(() => assertValid(CaseReceived.schema, event)).not.toThrow();
    expect(() => assertValid(CaseReceived.schema, { ...event, caseId: 'not-a-uuid' })).toThrow(ValidationFailed);
    expect(() => assertValid(CaseReceived.schema, { ...event, occurredAt: 'yesterday' })).toThrow(/occurredAt/);
  });
});
