/** The kinds of files a note, a result or a reply may carry, recognised by their content, not their name. */
export const ATTACHMENT_TYPES = ['image/jpeg', 'image/png', 'application/pdf', 'text/plain'] as const;
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];

const SIGNATURES: Record<Exclude<AttachmentType, 'text/plain'>, number[]> = {
  'image/jpeg': [0xff, 0xd8, 0xff],
  'image/png': [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  'application/pdf': [0x25, 0x50, 0x44, 0x46, 0x2d], // %PDF-
};

/** The declared media type without parameters (`text/plain; charset=utf-8` → `text/plain`). */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * Whether the bytes really are what the uploader declared: the magic number of images and PDF,
 * valid UTF-8 without control characters (other than tab and line breaks) for text. Returns the
 * reason it is refused, or null.
 */
export function contentProblem(declared: string, bytes: Buffer): string | null {
  if (!(ATTACHMENT_TYPES as readonly string[]).includes(declared)) return `files of type ${declared || '(none)'} are not accepted; send one of ${ATTACHMENT_TYPES.join(', ')}`;
  if (bytes.length === 0) return 'the file is empty';
  if (declared === 'text/plain') {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return 'the file is not valid UTF-8 text';
    }
    // eslint-disable-next-line no-control-regex
    return /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(text) ? 'the file contains control characters, so it is not plain text' : null;
  }
  const signature = SIGNATURES[declared as keyof typeof SIGNATURES];
  return signature.every((b, i) => bytes[i] === b) ? null : `the content is not ${declared} (its first bytes do not match)`;
}

/** A file name safe to show and to send back in Content-Disposition: no paths, no control characters, bounded. */
export function safeFileName(name: string | undefined): string | null {
  if (!name) return null;
  // eslint-disable-next-line no-control-regex
  const base = name.split(/[/\\]/).pop()!.replace(/[\u0000-\u001f\u007f"]/g, '').trim();
  if (base.length === 0 || base === '.' || base === '..') return null;
  return base.slice(0, 200);
}
