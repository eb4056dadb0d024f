// The UI's two languages, English and Korean, through svelte-i18n.
//
// Why svelte-i18n rather than i18next: it is made for Svelte, so `$_("key")` is an ordinary
// Svelte store that re-renders every text when the language changes, with no wrapper of our
// own; it formats ICU MessageFormat (plurals, numbers, dates through Intl) and needs no
// plugins. Its messages are plain JSON (en.json, ko.json), loaded synchronously here so the
// first paint is already in the right language (no flash, no layout jump).
//
// The language: the student's saved choice if any, else the OS locale as the webview reports
// it (navigator.language: "ko…" → Korean, anything else → English). `<html lang>` follows.
import { addMessages, init, locale } from "svelte-i18n";
import en from "./en.json";
import ko from "./ko.json";
import watchEn from "./watch.en.json";
import watchKo from "./watch.ko.json";
import teardownEn from "./teardown.en.json";
import teardownKo from "./teardown.ko.json";
import preflightEn from "./preflight.en.json";
import preflightKo from "./preflight.ko.json";
import expiryEn from "./expiry.en.json";
import expiryKo from "./expiry.ko.json";
import doctorEn from "./doctor.en.json";
import doctorKo from "./doctor.ko.json";
import classEn from "./class.en.json";
import classKo from "./class.ko.json";
import classFileEn from "./classfile.en.json";
import classFileKo from "./classfile.ko.json";
import exportEn from "./export.en.json";
import exportKo from "./export.ko.json";

export { _, locale, number, date } from "svelte-i18n";

export const LANGUAGES = ["en", "ko"] as const;
export type Language = (typeof LANGUAGES)[number];

/** The localStorage key remembering the student's explicit choice. */
export const LANGUAGE_KEY = "pipewright.language";

/** "ko", "ko-KR", "ko_KR" → "ko"; everything else (and nothing) → "en". */
export function languageFromLocale(tag: string | null | undefined): Language {
  return tag && tag.toLowerCase().startsWith("ko") ? "ko" : "en";
}

function savedLanguage(): Language | null {
  try {
    const saved = localStorage.getItem(LANGUAGE_KEY);
    return saved === "en" || saved === "ko" ? saved : null;
  } catch {
    return null; // storage disabled: follow the OS every time
  }
}

/** The language to start in: the saved choice, else the OS locale. */
export function initialLanguage(): Language {
  return savedLanguage() ?? languageFromLocale(globalThis.navigator?.language);
}

let started = false;

/** Loads the messages and picks the starting language. Safe to call more than once. */
export function setupI18n(): Language {
  const language = initialLanguage();
  if (!started) {
    addMessages("en", en);
    addMessages("ko", ko);
    addMessages("en", watchEn);
    addMessages("ko", watchKo);
    addMessages("en", teardownEn);
    addMessages("ko", teardownKo);
    addMessages("en", preflightEn);
    addMessages("ko", preflightKo);
    addMessages("en", expiryEn);
    addMessages("ko", expiryKo);
    addMessages("en", doctorEn);
    addMessages("ko", doctorKo);
    addMessages("en", classEn);
    addMessages("ko", classKo);
    addMessages("en", classFileEn);
    addMessages("ko", classFileKo);
    addMessages("en", exportEn);
    addMessages("ko", exportKo);
    init({ fallbackLocale: "en", initialLocale: language });
    locale.subscribe((value) => {
      if (typeof document !== "undefined" && value) {
        document.documentElement.lang = languageFromLocale(value);
      }
    });
    started = true;
  } else {
    locale.set(language);
  }
  return language;
}

/** Switches the language and remembers the choice for the next start. */
export function setLanguage(language: Language): void {
  locale.set(language);
  try {
    localStorage.setItem(LANGUAGE_KEY, language);
  } catch {
    // storage disabled: the choice lasts for this session only
  }
}

/**
 * Applies the OS locale as the operating system reports it to the app (through Rust). The
 * webview's navigator.language can lag it: WebKitGTK falls back to "C" when the locale is not
 * installed in the C library, though the student's desktop is Korean. A saved choice wins.
 */
export function followOsLocale(tag: string | null | undefined): void {
  if (tag && savedLanguage() === null) locale.set(languageFromLocale(tag));
}
