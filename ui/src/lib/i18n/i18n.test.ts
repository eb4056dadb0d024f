import { render, screen } from "@testing-library/svelte";
import { get } from "svelte/store";
import { describe, expect, it, vi } from "vitest";
import App from "../../App.svelte";
import { ERROR_CODES } from "../errors";
import en from "./en.json";
import ko from "./ko.json";
import { LANGUAGE_KEY, languageFromLocale, locale, setupI18n } from ".";

function keys(tree: object, prefix = ""): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === "object" && v !== null ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

describe("languages", () => {
  it("maps OS locales to Korean or English", () => {
    expect(languageFromLocale("ko")).toBe("ko");
    expect(languageFromLocale("ko-KR")).toBe("ko");
    expect(languageFromLocale("en-US")).toBe("en");
    expect(languageFromLocale("ja-JP")).toBe("en");
    expect(languageFromLocale(undefined)).toBe("en");
  });

  it("starts in Korean when the OS locale is Korean", () => {
    vi.spyOn(navigator, "language", "get").mockReturnValue("ko-KR");
    setupI18n();
    expect(get(locale)).toBe("ko");
    render(App);
    expect(screen.getByTestId("screen-title")).toHaveTextContent("AWS에 연결");
    expect(screen.getByTestId("lang-switch")).toHaveValue("ko");
    expect(document.documentElement.lang).toBe("ko");
  });

  it("starts in English for any other OS locale", () => {
    vi.spyOn(navigator, "language", "get").mockReturnValue("fr-FR");
    setupI18n();
    expect(get(locale)).toBe("en");
  });

  it("prefers the saved choice over the OS locale", () => {
    vi.spyOn(navigator, "language", "get").mockReturnValue("ko-KR");
    localStorage.setItem(LANGUAGE_KEY, "en");
    setupI18n();
    expect(get(locale)).toBe("en");
  });

  it("has the same message keys in English and Korean", () => {
    expect(keys(ko).sort()).toEqual(keys(en).sort());
  });

  it("has the same keys in each screen's own English and Korean messages", () => {
    const parts = import.meta.glob<{ default: object }>("./*.{en,ko}.json", { eager: true });
    const names = Object.keys(parts).filter((path) => path.endsWith(".en.json"));
    expect(names).toContain("./watch.en.json");
    expect(names).toContain("./teardown.en.json");
    for (const name of names) {
      const korean = parts[name.replace(/\.en\.json$/, ".ko.json")];
      expect(korean, name).toBeDefined();
      expect(keys(korean.default).sort(), name).toEqual(keys(parts[name].default).sort());
    }
  });

  it("explains every error code in both languages", () => {
    for (const messages of [en, ko]) {
      const errors = messages.errors as Record<string, { title?: string; hint?: string }>;
      for (const code of ERROR_CODES) {
        expect(errors[code]?.title, code).toBeTruthy();
        expect(errors[code]?.hint, code).toBeTruthy();
      }
    }
  });
});
