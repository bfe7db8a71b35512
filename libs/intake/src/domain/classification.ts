import { Category } from './category';

export interface KeywordCategory extends Pick<Category, 'code' | 'tier'> {
  keywords: { zh?: string[]; en?: string[] };
}

export interface Classification {
  category: string;
  /** The keywords that decided, for the timeline and the audit. */
  matched: string[];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Chinese keywords match as substrings; English ones as whole words, any case. */
function hits(text: string, keywords: KeywordCategory['keywords']): string[] {
  const lower = text.toLowerCase();
  const zh = (keywords.zh ?? []).filter((k) => k && text.includes(k));
  const en = (keywords.en ?? []).filter((k) => k && new RegExp(`\\b${escape(k.toLowerCase())}\\b`).test(lower));
  return [...zh, ...en];
}

/**
 * The category whose keywords best match the text: most matched characters
 * (a longer, more specific keyword outweighs a short one), then most
 * keywords; undefined when nothing matches.
 */
export function classify(text: string, categories: KeywordCategory[]): Classification | undefined {
  let best: { category: string; matched: string[]; score: number } | undefined;
  for (const c of categories) {
    const matched = hits(text, c.keywords);
    if (matched.length === 0) continue;
    const score = matched.reduce((sum, k) => sum + k.length, 0) * 100 + matched.length;
    if (!best || score > best.score) best = { category: c.code, matched, score };
  }
  return best && { category: best.category, matched: best.matched };
}

/** Words that make any case an emergency (immediate tier), whatever its category says. */
const URGENT = {
  zh: ['紧急', '危险', '爆炸', '起火', '着火', '火灾', '坍塌', '倒塌', '触电', '燃气泄漏', '煤气泄漏', '被困', '受伤', '人身安全'],
  en: ['urgent', 'emergency', 'danger', 'dangerous', 'fire', 'explosion', 'collapse', 'collapsed', 'electrocution', 'gas leak', 'trapped', 'injured', 'injury'],
};

export function urgencyKeywords(text: string): string[] {
  return hits(text, URGENT);
}
