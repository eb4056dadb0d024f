// Light or dark. Follows the OS (prefers-color-scheme) until the student picks one with the
// header's toggle; the pick is remembered. The theme is applied as <html data-theme="…">,
// which app.css reads.
export type Theme = "light" | "dark";

export const THEME_KEY = "pipewright.theme";

function systemTheme(): Theme {
  return typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches
    ? "dark"
    : "light";
}

function savedTheme(): Theme | null {
  try {
    const saved = localStorage.getItem(THEME_KEY);
    return saved === "light" || saved === "dark" ? saved : null;
  } catch {
    return null;
  }
}

class ThemeState {
  chosen = $state<Theme | null>(savedTheme());
  system = $state<Theme>(systemTheme());
  current = $derived<Theme>(this.chosen ?? this.system);

  constructor() {
    if (typeof matchMedia === "function") {
      matchMedia("(prefers-color-scheme: dark)").addEventListener?.("change", (e) => {
        this.system = e.matches ? "dark" : "light";
        this.apply();
      });
    }
    this.apply();
  }

  toggle(): void {
    this.chosen = this.current === "dark" ? "light" : "dark";
    try {
      localStorage.setItem(THEME_KEY, this.chosen);
    } catch {
      // storage disabled: the pick lasts for this session only
    }
    this.apply();
  }

  apply(): void {
    if (typeof document !== "undefined") {
      document.documentElement.dataset.theme = this.chosen ?? this.system;
    }
  }
}

export const theme = new ThemeState();
