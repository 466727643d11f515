/**
 * i18next set-up: en, zh (Simplified) and ja bundled (air-gapped: no backend loading), the
 * choice remembered in localStorage, <html lang> kept in step.
 */
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { ja } from './ja';
import { zh } from './zh';

export const LANGUAGES = [
  { code: 'en', label: 'English' },
  { code: 'zh', label: '中文' },
  { code: 'ja', label: '日本語' },
] as const;

const KEY = 'lookout.lang';

function initial(): string {
  const saved = typeof localStorage !== 'undefined' ? localStorage.getItem(KEY) : null;
  if (saved && LANGUAGES.some((l) => l.code === saved)) return saved;
  const nav = typeof navigator !== 'undefined' ? navigator.language.slice(0, 2) : 'en';
  return LANGUAGES.some((l) => l.code === nav) ? nav : 'en';
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, zh: { translation: zh }, ja: { translation: ja } },
  lng: initial(),
  fallbackLng: 'en',
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
});

if (typeof document !== 'undefined') document.documentElement.lang = i18n.language;

export function setLanguage(code: string): void {
  void i18n.changeLanguage(code);
  localStorage.setItem(KEY, code);
  document.documentElement.lang = code;
}

export default i18n;
