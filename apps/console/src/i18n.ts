import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './locales/en';
import { zhCN } from './locales/zh-CN';
import type { ConsoleLocale } from './logic/countdown';

export const LOCALES: readonly ConsoleLocale[] = ['zh-CN', 'en'];
const KEY = 'duban.locale';

/** zh-CN unless the person chose otherwise (kept in this browser). */
export function initialLocale(): ConsoleLocale {
  const saved = localStorage.getItem(KEY);
  return saved === 'en' || saved === 'zh-CN' ? saved : 'zh-CN';
}

void i18n.use(initReactI18next).init({
  resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
  lng: initialLocale(),
  fallbackLng: 'zh-CN',
  interpolation: { escapeValue: false },
});
document.documentElement.lang = i18n.language;

export function setLocale(locale: ConsoleLocale): void {
  localStorage.setItem(KEY, locale);
  document.documentElement.lang = locale;
  void i18n.changeLanguage(locale);
}

export function currentLocale(): ConsoleLocale {
  return i18n.language === 'en' ? 'en' : 'zh-CN';
}

/** A date and time in the person's language and time zone. */
export function formatDateTime(iso: string, locale: ConsoleLocale = currentLocale()): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export default i18n;
