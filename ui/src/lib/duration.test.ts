import { describe, expect, it } from "vitest";
import { formatDuration } from "./duration";

describe("formatDuration", () => {
  it("writes seconds and minutes in English", () => {
    expect(formatDuration(9, "en")).toBe("9 s");
    expect(formatDuration(90, "en")).toBe("1 min 30 s");
    expect(formatDuration(120, "en")).toBe("2 min");
  });

  it("writes 초 and 분 in Korean, never a bare s", () => {
    expect(formatDuration(9, "ko")).toBe("9초");
    expect(formatDuration(125, "ko-KR")).toBe("2분 5초");
    expect(formatDuration(60, "ko")).toBe("1분");
  });

  it("rounds and never goes below zero", () => {
    expect(formatDuration(-3, "en")).toBe("0 s");
    expect(formatDuration(0.6, "en")).toBe("1 s");
  });
});
