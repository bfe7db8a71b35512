import { geoReportErrors, geoReportErrorsXml, geoReportFormatOf, xmlText } from './georeport';
import { HttpProblem, Problems } from './problem';

describe('GeoReport v2 errors', () => {
  it('lists one error per field that was wrong, with the HTTP status as its code', () => {
    const problem = Problems.validation([
      { pointer: '/service_code', field: 'service_code', detail: 'is required' },
      { pointer: '/lat', field: 'lat', detail: 'must be a WGS 84 latitude' },
    ]);
    expect(geoReportErrors(problem)).toEqual([
      { code: 400, description: 'service_code: is required' },
      { code: 400, description: 'lat: must be a WGS 84 latitude' },
    ]);
  });

  it('takes the detail of a problem without fields', () => {
    expect(geoReportErrors(new HttpProblem(403, 'invalid-api-key', 'A valid api_key is required.', 'api_key: unknown'))).toEqual([{ code: 403, description: 'api_key: unknown' }]);
    expect(geoReportErrors(new HttpProblem(429, 'rate-limited', 'Too many requests.'))).toEqual([{ code: 429, description: 'Too many requests.' }]);
  });

  it('writes the XML form with markup escaped and characters XML cannot carry left out', () => {
    const xml = geoReportErrorsXml([{ code: 404, description: 'Service "a<b>&c" \u001b\u0007\u000b\ud800 does not exist' }]);
    expect(xml).toBe(
      '<?xml version="1.0" encoding="utf-8"?>\n<errors><error><code>404</code><description>Service &quot;a&lt;b&gt;&amp;c&quot;  does not exist</description></error></errors>\n',
    );
  });

  it('keeps text XML can carry, surrogate pairs included', () => {
    expect(xmlText('水管爆裂 🚰\ttab\nline')).toBe('水管爆裂 🚰\ttab\nline');
  });

  it('reads the format from the path, not the query', () => {
    expect(geoReportFormatOf('/open311/v2/requests.xml?start_date=x.json')).toBe('xml');
    expect(geoReportFormatOf('/open311/v2/requests.json')).toBe('json');
    expect(geoReportFormatOf('/open311/v2/nothing')).toBe('json');
  });
});
