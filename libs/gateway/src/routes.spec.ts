import { ROUTES, routeFor } from './routes';

describe('routeFor', () => {
  it('sends each public path to the service that owns it', () => {
    expect(routeFor('/api/v1/cases')?.upstream).toBe('intake');
    expect(routeFor('/api/v1/cases/0b7e?x=1')?.upstream).toBe('intake');
    expect(routeFor('/api/v1/notifications')?.upstream).toBe('notification');
    expect(routeFor('/api/v1/assessment/units/water')?.upstream).toBe('assessment');
    expect(routeFor('/api/v1/routing-rules/water.leak')?.upstream).toBe('dispatch');
  });

  it('lets only Open311 through without a bearer token (it has its own api_key)', () => {
    expect(routeFor('/open311/v2/services.json')).toMatchObject({ upstream: 'intake', bearer: false });
    expect(routeFor('/api/v1/cases')?.bearer).toBeUndefined();
    expect(routeFor('/open311/v3/services.json')).toBeUndefined();
    // Service Discovery, where a GeoReport client starts; nothing else beside /open311/v2.
    expect(routeFor('/open311/discovery.json')).toMatchObject({ upstream: 'intake', bearer: false });
    expect(routeFor('/open311/discovery.xml?x=1')).toMatchObject({ upstream: 'intake', bearer: false });
    expect(routeFor('/open311/discovery.html')).toBeUndefined();
  });

  it('matches whole segments only and refuses unknown paths', () => {
    expect(routeFor('/api/v1/casesx')).toBeUndefined();
    expect(routeFor('/api/v2/cases')).toBeUndefined();
    expect(routeFor('/internal/cases')).toBeUndefined();
  });

  it('refuses dot segments that would leave the public API upstream', () => {
    expect(routeFor('/api/v1/cases/../../../metrics')).toBeUndefined();
    expect(routeFor('/api/v1/cases/%2e%2e/%2e%2e/%2e%2e/metrics')).toBeUndefined();
    expect(routeFor('/api/v1/cases/%2E%2E%5C..%5Chealth')).toBeUndefined();
    expect(routeFor('/api/v1/cases/./x')).toBeUndefined();
    expect(routeFor('/api/v1/cases/%E0%A4%A')).toBeUndefined();
  });

  it('checks roles per route at the edge: a reporter reaches only the citizen routes, the audit trails only oversight', () => {
    const reporterMay = ROUTES.filter((r) => r.bearer !== false && (!r.roles || r.roles.includes('reporter'))).map((r) => r.prefix);
    expect(reporterMay).toEqual(['/api/v1/cases', '/api/v1/units', '/api/v1/assessment/ratings', '/api/v1/notifications']);
    expect(routeFor('/api/v1/assessment/ratings/0b7e')?.roles).toBeUndefined();
    expect(routeFor('/api/v1/assessment/units/water')?.roles).not.toContain('reporter');
    expect(routeFor('/api/v1/audit/intake/verify')?.roles).toEqual(['supervisor', 'admin']);
    expect(routeFor('/api/v1/open311-clients')?.roles).toEqual(['admin']);
  });
});
