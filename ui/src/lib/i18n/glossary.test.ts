// Every Korean text follows the glossary (glossary.json): one AWS-console term per concept,
// particles chosen for the word, 초 for seconds, "시간당 $…", titles named as in the sidebar.
import { describe, expect, it } from "vitest";
import fixtures from "../fake/fixtures.json";
import glossary from "./glossary.json";
import doctorKo from "./doctor.ko.json";
import exportKo from "./export.ko.json";
import ko from "./ko.json";
import teardownKo from "./teardown.ko.json";
import watchKo from "./watch.ko.json";
import welcomeKo from "./welcome.ko.json";

type Tree = { [key: string]: string | Tree };

function texts(tree: Tree, prefix = ""): [string, string][] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === "string" ? [[prefix + key, value]] : texts(value, `${prefix}${key}.`),
  );
}

const ui: [string, string][] = [ko, watchKo, teardownKo, welcomeKo, doctorKo, exportKo].flatMap(
  (t) => texts(t as Tree),
);

// The Korean messages Rust sends with each check (field errors), as the fake replays them.
const fromRust: [string, string][] = fixtures.spec_check.flatMap((c, i) =>
  c.answer.errors.map((e) => [`spec_check[${i}] ${e.field}`, e.ko] as [string, string]),
);

const all = [...ui, ...fromRust];

function offending(test: (text: string) => boolean): string[] {
  return all.filter(([, text]) => test(text)).map(([key, text]) => `${key}: ${text}`);
}

describe("the Korean glossary", () => {
  it("reads Rust's Korean too", () => {
    expect(fromRust.length).toBeGreaterThan(5);
  });

  for (const term of glossary.terms) {
    it(`says ${term.ko} for ${term.en}`, () => {
      expect(offending((t) => term.avoid.some((a) => t.includes(a)))).toEqual([]);
    });
  }

  it("chooses particles for the word instead of writing both", () => {
    expect(
      offending((t) => /을\(를\)|를\(을\)|이\(가\)|은\(는\)|와\(과\)|\(으\)로/.test(t)),
    ).toEqual([]);
  });

  it("writes seconds as 초", () => {
    expect(offending((t) => /(\d|\})\s?s\b/.test(t))).toEqual([]);
  });

  it("puts 시간당 before the amount", () => {
    expect(ko.review.cost.hourly.startsWith("시간당 ")).toBe(true);
    expect(offending((t) => /(\$[\d.]+|\{amount\})\s*시간당/.test(t))).toEqual([]);
  });

  it("names each screen as the sidebar does", () => {
    const titles: Record<string, string> = {
      connect: ko.connect.title,
      source: ko.steps.source.title,
      pipeline: ko.steps.pipeline.title,
      build: ko.steps.build.title,
      registry: ko.steps.registry.title,
      deploy: ko.steps.deploy.title,
      review: ko.review.title,
      progress: ko.progress.title,
      watch: watchKo.watch.title,
      teardown: teardownKo.teardown.title,
    };
    for (const [id, title] of Object.entries(titles)) {
      expect(title, id).toContain((ko.nav as Record<string, unknown>)[id]);
    }
  });

  it("names execution modes as modes, not as statuses", () => {
    const modes = ko.form.pipeline.execution_mode.options;
    for (const mode of Object.values(modes)) expect(mode.title).toMatch(/모드/);
  });
});
