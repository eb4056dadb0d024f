// Durations as a student reads them, in the app's language: "1 min 30 s" / "1분 30초".

/** Whole seconds as minutes and seconds, e.g. 95 → "1 min 35 s" (en) or "1분 35초" (ko). */
export function formatDuration(totalSeconds: number, locale: string | null | undefined): string {
  const s = Math.max(0, Math.round(totalSeconds));
  const min = Math.floor(s / 60);
  const sec = s % 60;
  const ko = (locale ?? "").startsWith("ko");
  if (ko) {
    if (min === 0) return `${sec}초`;
    return sec === 0 ? `${min}분` : `${min}분 ${sec}초`;
  }
  if (min === 0) return `${sec} s`;
  return sec === 0 ? `${min} min` : `${min} min ${sec} s`;
}
