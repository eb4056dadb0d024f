// AWS regions offered in region pickers, Seoul first (the lecture's region), with the names
// the AWS console shows in English and Korean. Same shape as core's `Region`, so a future
// `regions_list` command can replace this list without touching the pickers.
import type { Region } from "./bindings";
import type { Language } from "./i18n";

export const DEFAULT_REGION = "ap-northeast-2";

export const REGIONS: readonly Region[] = [
  { code: "ap-northeast-2", en: "Asia Pacific (Seoul)", ko: "아시아 태평양(서울)", opt_in: false },
  { code: "ap-northeast-1", en: "Asia Pacific (Tokyo)", ko: "아시아 태평양(도쿄)", opt_in: false },
  {
    code: "ap-northeast-3",
    en: "Asia Pacific (Osaka)",
    ko: "아시아 태평양(오사카)",
    opt_in: false,
  },
  {
    code: "ap-southeast-1",
    en: "Asia Pacific (Singapore)",
    ko: "아시아 태평양(싱가포르)",
    opt_in: false,
  },
  {
    code: "ap-southeast-2",
    en: "Asia Pacific (Sydney)",
    ko: "아시아 태평양(시드니)",
    opt_in: false,
  },
  { code: "ap-south-1", en: "Asia Pacific (Mumbai)", ko: "아시아 태평양(뭄바이)", opt_in: false },
  { code: "ap-east-1", en: "Asia Pacific (Hong Kong)", ko: "아시아 태평양(홍콩)", opt_in: true },
  { code: "us-east-1", en: "US East (N. Virginia)", ko: "미국 동부(버지니아 북부)", opt_in: false },
  { code: "us-east-2", en: "US East (Ohio)", ko: "미국 동부(오하이오)", opt_in: false },
  {
    code: "us-west-1",
    en: "US West (N. California)",
    ko: "미국 서부(캘리포니아 북부)",
    opt_in: false,
  },
  { code: "us-west-2", en: "US West (Oregon)", ko: "미국 서부(오레곤)", opt_in: false },
  { code: "ca-central-1", en: "Canada (Central)", ko: "캐나다(중부)", opt_in: false },
  { code: "eu-central-1", en: "Europe (Frankfurt)", ko: "유럽(프랑크푸르트)", opt_in: false },
  { code: "eu-west-1", en: "Europe (Ireland)", ko: "유럽(아일랜드)", opt_in: false },
  { code: "eu-west-2", en: "Europe (London)", ko: "유럽(런던)", opt_in: false },
  { code: "eu-west-3", en: "Europe (Paris)", ko: "유럽(파리)", opt_in: false },
  { code: "eu-north-1", en: "Europe (Stockholm)", ko: "유럽(스톡홀름)", opt_in: false },
  { code: "sa-east-1", en: "South America (São Paulo)", ko: "남아메리카(상파울루)", opt_in: false },
];

/** "Asia Pacific (Seoul) · ap-northeast-2", or the bare code for a region not in the list. */
export function regionLabel(code: string, language: Language): string {
  const region = REGIONS.find((r) => r.code === code);
  return region ? `${region[language]} · ${code}` : code;
}
