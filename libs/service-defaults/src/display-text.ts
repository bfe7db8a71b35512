/**
 * The explicit bidirectional controls — embeddings and overrides (U+202A–U+202E) and isolates
 * (U+2066–U+2069). Accepted in what people write, but one of them in a title turns the rest of
 * a line around wherever the title is shown ("InvoiceU+202E gpj.exe" reads "Invoiceexe.jpg"; Trojan
 * Source, CVE-2021-42574). The marks LRM, RLM and ALM are not among them: they reorder nothing
 * past their neighbours, and Arabic or Hebrew text needs no control to show right to left.
 */
export const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

/**
 * A person's text as every answer shows it (docs/security.md, API8): without bidi controls. What
 * was sent is kept as sent (the case's record and its events); only what is shown is neutralised.
 */
export function forDisplay(text: string): string;
export function forDisplay(text: string | null): string | null;
export function forDisplay(text: string | null | undefined): string | null | undefined;
export function forDisplay(text: string | null | undefined): string | null | undefined {
  return typeof text === 'string' ? text.replace(BIDI_CONTROLS, '') : text;
}
