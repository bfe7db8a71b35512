import { contentProblem, mediaType, safeFileName } from './attachments';

describe('attachment checks', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]);
  const pdf = Buffer.from('%PDF-1.7\n%…', 'utf8');

  it('accepts files whose content is what they claim', () => {
    expect(contentProblem('image/png', png)).toBeNull();
    expect(contentProblem('image/jpeg', jpeg)).toBeNull();
    expect(contentProblem('application/pdf', pdf)).toBeNull();
    expect(contentProblem('text/plain', Buffer.from('现场照片说明\nline two\ttabbed', 'utf8'))).toBeNull();
  });

  it('refuses a disguised, empty or unknown file, saying why', () => {
    expect(contentProblem('image/png', jpeg)).toMatch(/not image\/png/);
    expect(contentProblem('application/pdf', Buffer.from('MZ\x90\x00', 'latin1'))).toMatch(/not application\/pdf/);
    expect(contentProblem('text/plain', Buffer.from([0xc3, 0x28]))).toMatch(/UTF-8/);
    expect(contentProblem('text/plain', Buffer.from('a\u0000b'))).toMatch(/control characters/);
    expect(contentProblem('image/png', Buffer.alloc(0))).toMatch(/empty/);
    expect(contentProblem('application/x-msdownload', png)).toMatch(/not accepted/);
    expect(contentProblem('', png)).toMatch(/\(none\)/);
  });

  it('reads media types and file names safely', () => {
    expect(mediaType('Text/Plain; charset=utf-8')).toBe('text/plain');
    expect(mediaType(undefined)).toBe('');
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('C:\\photos\\leak "1".jpg')).toBe('leak 1.jpg');
    expect(safeFileName('..')).toBeNull();
    expect(safeFileName('')).toBeNull();
    expect(safeFileName('x'.repeat(300))!.length).toBe(200);
  });
});
