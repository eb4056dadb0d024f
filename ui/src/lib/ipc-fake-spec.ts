// DEVELOPMENT AND TESTS ONLY: a small TypeScript stand-in for the spec commands of
// crates/core (spec_default, spec_validate, spec_names, spec_cost, fargate_sizes), so the
// wizard runs outside Tauri. It checks the rules a student meets most often, with the same
// field paths and codes as Rust; Rust's `LabSpec::validate` stays the one real authority.
import type {
  CostEstimate,
  CostLine,
  FieldError,
  LabSpec,
  ResourceNames,
  RoleChoice,
  TaskSize,
} from "./bindings";
import { REGIONS } from "./regions";

export function defaultSpec(name: string, repository: string): LabSpec {
  return {
    name,
    region: "ap-northeast-2",
    source: {
      connection: { mode: "create", name: null },
      repository,
      branch: "main",
      output_format: "CODE_ZIP",
    },
    pipeline: {
      name: null,
      execution_mode: "QUEUED",
      service_role: { mode: "create", name: null },
      trigger: {
        kind: "filter",
        event: "push",
        pull_request_events: ["OPEN", "UPDATED"],
        filter_type: "branches",
        include: ["main"],
        exclude: [],
        file_paths_include: [],
        file_paths_exclude: [],
      },
      artifact_bucket: null,
    },
    build: {
      project_name: null,
      provisioning: "on_demand",
      image: "aws/codebuild/amazonlinux-x86_64-standard:5.0",
      compute_type: "BUILD_GENERAL1_SMALL",
      environment_type: "LINUX_CONTAINER",
      privileged: true,
      timeout_minutes: 60,
      buildspec_mode: "inline",
      buildspec_path: "buildspec.yml",
      environment_variables: [],
      service_role: { mode: "create", name: null },
    },
    registry: {
      repository_name: null,
      visibility: "private",
      tag_immutability: false,
      scan_on_push: false,
      encryption: "AES256",
      kms_key: null,
      keep_last_images: 10,
    },
    deploy: {
      cluster_name: null,
      service_name: null,
      launch_type: "FARGATE",
      platform_version: "LATEST",
      cpu_architecture: "X86_64",
      cpu: 1024,
      memory: 3072,
      container_name: null,
      container_port: 3000,
      port_name: "web-server",
      app_protocol: "http",
      readonly_root_filesystem: false,
      desired_count: 1,
      health_check_grace_period_seconds: 60,
      task_execution_role: { mode: "create", name: null },
      load_balancer: { name: null, listener_port: 80 },
      target_group: {
        name: null,
        deregistration_delay_seconds: 30,
        health_check_path: "/ping",
        healthy_threshold: 3,
        unhealthy_threshold: 2,
        health_check_interval_seconds: 15,
        health_check_timeout_seconds: 5,
      },
    },
  };
}

function roleName(choice: RoleChoice, derived: string): string | null {
  return choice.mode === "create" ? (choice.name ?? derived) : null;
}

export function namesFor(spec: LabSpec): ResourceNames {
  const n = spec.name;
  const or = (value: string | null, suffix: string) => value ?? `${n}-${suffix}`;
  const c = spec.source.connection;
  return {
    connection: c.mode === "create" ? or(c.name, "github") : null,
    pipeline: or(spec.pipeline.name, "pipeline"),
    pipeline_role: roleName(spec.pipeline.service_role, `${n}-pipeline-role`),
    artifact_bucket_override: spec.pipeline.artifact_bucket,
    build_project: or(spec.build.project_name, "build"),
    build_role: roleName(spec.build.service_role, `${n}-build-role`),
    build_log_group: `/pipewright/${n}/build`,
    repository: or(spec.registry.repository_name, "repo"),
    cluster: or(spec.deploy.cluster_name, "cluster"),
    service: or(spec.deploy.service_name, "svc"),
    task_family: `${n}-task`,
    container: or(spec.deploy.container_name, "app"),
    task_execution_role: roleName(spec.deploy.task_execution_role, `${n}-task-exec-role`),
    task_log_group: `/pipewright/${n}/app`,
    load_balancer: or(spec.deploy.load_balancer.name, "alb"),
    target_group: or(spec.deploy.target_group.name, "tg"),
    alb_security_group: `${n}-alb-sg`,
    task_security_group: `${n}-task-sg`,
    lab_tag: n,
  };
}

const FARGATE: [number, number[]][] = [
  [256, [512, 1024, 2048]],
  [512, range(1, 4, 1)],
  [1024, range(2, 8, 1)],
  [2048, range(4, 16, 1)],
  [4096, range(8, 30, 1)],
  [8192, range(16, 60, 4)],
  [16384, range(32, 120, 8)],
];

function range(fromGb: number, toGb: number, step: number): number[] {
  const out: number[] = [];
  for (let g = fromGb; g <= toGb; g += step) out.push(g * 1024);
  return out;
}

export function fargateSizes(): TaskSize[] {
  return FARGATE.flatMap(([cpu, memories]) =>
    memories.map((memory) => ({
      cpu,
      memory,
      label: `${cpu / 1024} vCPU / ${memory / 1024} GB`,
    })),
  );
}

type Prices = { fargateVcpu: number; fargateGb: number; armVcpu: number; armGb: number };
const SEOUL: Prices = {
  fargateVcpu: 0.04656,
  fargateGb: 0.00511,
  armVcpu: 0.03725,
  armGb: 0.00409,
};
const VIRGINIA: Prices = {
  fargateVcpu: 0.04048,
  fargateGb: 0.004445,
  armVcpu: 0.03238,
  armGb: 0.00356,
};

export function costFor(spec: LabSpec): CostEstimate {
  const priced = spec.region === "ap-northeast-2" || spec.region === "us-east-1";
  const p = spec.region === "ap-northeast-2" ? SEOUL : VIRGINIA;
  const factor = priced ? 1 : 1.2;
  const d = spec.deploy;
  const tasks = d.desired_count;
  const vcpu = d.cpu / 1024;
  const gb = d.memory / 1024;
  const arm = d.cpu_architecture === "ARM64";
  const addresses = tasks + 2;
  const lines: CostLine[] = [
    {
      key: "alb_hour",
      en: "Application Load Balancer",
      ko: "애플리케이션 로드 밸런서",
      usd: 0.0225,
      per: "hour",
    },
    {
      key: "alb_lcu",
      en: "Load balancer capacity (about 1 LCU for a lab's traffic)",
      ko: "로드 밸런서 용량 (실습 트래픽 기준 약 1 LCU)",
      usd: 0.008,
      per: "hour",
    },
    {
      key: "fargate",
      en: `Fargate: ${tasks} task(s) × ${vcpu} vCPU, ${gb} GB`,
      ko: `Fargate: 태스크 ${tasks}개 × ${vcpu} vCPU, ${gb} GB`,
      usd: tasks * (vcpu * (arm ? p.armVcpu : p.fargateVcpu) + gb * (arm ? p.armGb : p.fargateGb)),
      per: "hour",
    },
    {
      key: "public_ipv4",
      en: `Public IPv4 addresses (${addresses}: one per task, two for the load balancer)`,
      ko: `퍼블릭 IPv4 주소 ${addresses}개 (태스크마다 1개, 로드 밸런서 2개)`,
      usd: addresses * 0.005,
      per: "hour",
    },
    {
      key: "build_minute",
      en: "CodeBuild, per build minute",
      ko: "CodeBuild, 빌드 1분당",
      usd: 0.005,
      per: "build_minute",
    },
    {
      key: "ecr_storage",
      en: "ECR image storage",
      ko: "ECR 이미지 저장",
      usd: 0.1,
      per: "gb_month",
    },
  ].map((l) => ({ ...l, usd: l.usd * factor }) as CostLine);
  const usd_per_hour = lines.filter((l) => l.per === "hour").reduce((sum, l) => sum + l.usd, 0);
  return { region: spec.region, region_priced: priced, lines, usd_per_hour };
}

/** CodePipeline's glob: `*` within a path segment, `**` across, `?` one character. */
export function globMatches(pattern: string, text: string): boolean {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*" && pattern[i + 1] === "*") {
      re += ".*";
      i++;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`${re}$`).test(text);
}

export function validate(spec: LabSpec): FieldError[] {
  const out: FieldError[] = [];
  const add = (field: string, code: string, en: string, ko: string) =>
    out.push({ field, code, en, ko });
  const inRange = (field: string, n: number, min: number, max: number, en: string, ko: string) => {
    if (!Number.isInteger(n) || n < min || n > max)
      add(
        field,
        "out_of_range",
        `${en} must be between ${min} and ${max} (now ${n}).`,
        `${ko}은(는) ${min}에서 ${max} 사이여야 합니다 (지금 ${n}).`,
      );
  };
  const simpleName = (field: string, value: string | null, re: RegExp, en: string, ko: string) => {
    if (value === null) return;
    if (!value) add(field, "required", `${en} is required.`, `${ko}을(를) 입력하세요.`);
    else if (!re.test(value))
      add(
        field,
        "invalid_chars",
        `${en} has characters AWS does not allow.`,
        `${ko}에 AWS가 허용하지 않는 문자가 있습니다.`,
      );
  };
  const role = (field: string, choice: RoleChoice) => {
    if (choice.mode === "existing" && !/^arn:aws:iam::\d{12}:role\/.+/.test(choice.arn))
      add(
        `${field}.arn`,
        "invalid_arn",
        "An IAM role ARN looks like arn:aws:iam::123456789012:role/name.",
        "IAM 역할 ARN은 arn:aws:iam::123456789012:role/이름 형식입니다.",
      );
    if (choice.mode === "create")
      simpleName(`${field}.name`, choice.name, /^[\w+=,.@-]{1,64}$/, "The role name", "역할 이름");
  };

  if (!spec.name) add("name", "required", "Give the lab a name.", "실습 이름을 입력하세요.");
  else if (!/^[a-z0-9-]{3,20}$/.test(spec.name))
    add(
      "name",
      "invalid_chars",
      "The lab name is 3–20 of lowercase letters, digits and hyphens.",
      "실습 이름은 영문 소문자, 숫자, 하이픈(-)으로 3–20자입니다.",
    );
  if (!REGIONS.some((r) => r.code === spec.region))
    add(
      "region",
      "unknown_region",
      `Unknown region ${spec.region}.`,
      `알 수 없는 리전 ${spec.region}입니다.`,
    );

  const s = spec.source;
  if (
    s.connection.mode === "existing" &&
    !/^arn:aws:(codeconnections|codestar-connections):/.test(s.connection.arn)
  )
    add(
      "source.connection.arn",
      "invalid_arn",
      "A connection ARN starts with arn:aws:codeconnections: (or codestar-connections).",
      "연결 ARN은 arn:aws:codeconnections: (또는 codestar-connections)로 시작합니다.",
    );
  if (!s.repository)
    add(
      "source.repository",
      "required",
      "Enter the repository as owner/repo.",
      "저장소를 owner/repo 형식으로 입력하세요.",
    );
  else if (!/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(s.repository))
    add(
      "source.repository",
      "invalid_repository",
      "Write the repository as owner/repo, as in its GitHub URL.",
      "저장소는 GitHub 주소에 있는 그대로 owner/repo 형식으로 쓰세요.",
    );
  const branchOk = /^[^\s~^:?*[\\]+$/.test(s.branch);
  if (!branchOk)
    add(
      "source.branch",
      "invalid_branch",
      "Enter a valid branch name, e.g. main.",
      "올바른 브랜치 이름을 입력하세요 (예: main).",
    );

  const p = spec.pipeline;
  simpleName(
    "pipeline.name",
    p.name,
    /^[A-Za-z0-9.@_-]{1,100}$/,
    "The pipeline name",
    "파이프라인 이름",
  );
  simpleName(
    "pipeline.artifact_bucket",
    p.artifact_bucket,
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    "The bucket name",
    "버킷 이름",
  );
  role("pipeline.service_role", p.service_role);
  const t = p.trigger;
  if (t.kind === "filter") {
    if (t.include.length === 0 && t.exclude.length === 0)
      add(
        "pipeline.trigger.include",
        "empty_filter",
        'Name at least one pattern to include or exclude, or choose "no filter".',
        '포함하거나 제외할 패턴을 하나 이상 입력하거나 "필터 없음"을 고르세요.',
      );
    if (t.event === "pull_request" && t.filter_type === "tags")
      add(
        "pipeline.trigger.filter_type",
        "tags_need_push",
        "Pull request triggers filter on branches, not tags.",
        "풀 리퀘스트 트리거는 태그가 아니라 브랜치로만 거를 수 있습니다.",
      );
    if (t.event === "pull_request" && t.pull_request_events.length === 0)
      add(
        "pipeline.trigger.pull_request_events",
        "required",
        "Choose at least one pull request event (opened, updated, closed).",
        "풀 리퀘스트 이벤트(열림, 업데이트, 닫힘)를 하나 이상 고르세요.",
      );
    if (t.filter_type === "branches" && branchOk) {
      const b = s.branch;
      if (t.include.length > 0 && !t.include.some((g) => globMatches(g, b)))
        add(
          "pipeline.trigger.include",
          "branch_not_triggered",
          `No include pattern matches the source branch "${b}": pushes to it would never start the pipeline. Add "${b}" to the patterns.`,
          `소스 브랜치 "${b}"와 일치하는 포함 패턴이 없어, 이 브랜치에 푸시해도 파이프라인이 시작되지 않습니다. 패턴에 "${b}"를 추가하세요.`,
        );
      const hit = t.exclude.find((g) => globMatches(g, b));
      if (hit)
        add(
          "pipeline.trigger.exclude",
          "branch_excluded",
          `The exclude pattern "${hit}" matches the source branch "${b}": pushes to it would never start the pipeline.`,
          `제외 패턴 "${hit}"이(가) 소스 브랜치 "${b}"와 일치해, 이 브랜치에 푸시해도 파이프라인이 시작되지 않습니다.`,
        );
    }
  }

  const b = spec.build;
  simpleName(
    "build.project_name",
    b.project_name,
    /^[A-Za-z0-9][A-Za-z0-9_-]{1,254}$/,
    "The project name",
    "프로젝트 이름",
  );
  if (b.provisioning === "reserved")
    add(
      "build.provisioning",
      "not_offered",
      "Reserved capacity bills for its machines even while no build runs; a lab uses on-demand.",
      "예약 용량은 빌드가 없어도 머신 비용이 나가므로, 실습에서는 온디맨드를 씁니다.",
    );
  if (!b.image) add("build.image", "required", "Choose a build image.", "빌드 이미지를 고르세요.");
  if (b.environment_type === "LINUX_LAMBDA_CONTAINER")
    add(
      "build.environment_type",
      "lambda_cannot_docker",
      "Lambda compute has no Docker daemon and no privileged mode, so it cannot build the container image: choose EC2 (LINUX_CONTAINER).",
      "Lambda 컴퓨팅에는 Docker 데몬과 권한 모드가 없어 컨테이너 이미지를 빌드할 수 없습니다. EC2(LINUX_CONTAINER)를 고르세요.",
    );
  const armBuild = b.environment_type === "ARM_CONTAINER";
  if (b.image && (armBuild ? b.image.includes("x86_64") : b.image.includes("aarch64")))
    add(
      "build.image",
      "image_architecture_mismatch",
      "This image is for the other architecture than the build environment.",
      "이 이미지는 빌드 환경과 다른 아키텍처용입니다.",
    );
  if (!b.privileged)
    add(
      "build.privileged",
      "privileged_required",
      'The build runs `docker build`, which needs privileged mode: without it the build fails with "Cannot connect to the Docker daemon".',
      '빌드에서 `docker build`를 실행하므로 권한 모드가 필요합니다. 끄면 "Cannot connect to the Docker daemon" 오류로 빌드가 실패합니다.',
    );
  inRange(
    "build.timeout_minutes",
    b.timeout_minutes,
    5,
    2160,
    "The build timeout",
    "빌드 제한 시간",
  );
  if (b.buildspec_mode === "file" && !b.buildspec_path)
    add(
      "build.buildspec_path",
      "required",
      "Enter the buildspec's path.",
      "buildspec 경로를 입력하세요.",
    );
  const seen = new Set<string>();
  b.environment_variables.forEach((v, i) => {
    const field = `build.environment_variables[${i}].name`;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.name))
      add(
        field,
        "invalid_chars",
        "A variable name is letters, digits and _.",
        "변수 이름은 영문자, 숫자, _로 씁니다.",
      );
    else if (
      [
        "ACCOUNT_ID",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "REPOSITORY_URI",
        "CONTAINER_NAME",
        "IMAGE_TAG",
      ].includes(v.name)
    )
      add(
        field,
        "reserved_name",
        `${v.name} is set by Pipewright or CodeBuild itself; choose another name.`,
        `${v.name}은(는) Pipewright나 CodeBuild가 직접 설정하는 이름입니다. 다른 이름을 쓰세요.`,
      );
    else if (seen.has(v.name))
      add(
        field,
        "duplicate",
        `${v.name} is set twice.`,
        `${v.name}이(가) 두 번 설정되어 있습니다.`,
      );
    seen.add(v.name);
  });
  role("build.service_role", b.service_role);
  if (!armBuild !== (spec.deploy.cpu_architecture === "X86_64"))
    add(
      "deploy.cpu_architecture",
      "architecture_mismatch",
      'The build and the tasks use different architectures: the image would fail with "exec format error".',
      '빌드와 태스크의 아키텍처가 달라 이미지가 "exec format error"로 실패합니다.',
    );

  const r = spec.registry;
  simpleName(
    "registry.repository_name",
    r.repository_name,
    /^[a-z][a-z0-9._/-]{1,255}$/,
    "The repository name",
    "저장소 이름",
  );
  if (r.visibility === "public")
    add(
      "registry.visibility",
      "not_offered",
      "A public repository can never be made private again, and anyone could pull the image: a lab uses a private one.",
      "퍼블릭 저장소는 나중에 프라이빗으로 바꿀 수 없고 누구나 이미지를 받을 수 있으므로, 실습에서는 프라이빗 저장소를 씁니다.",
    );
  inRange(
    "registry.keep_last_images",
    r.keep_last_images,
    1,
    1000,
    "The number of images kept",
    "보관할 이미지 수",
  );

  const d = spec.deploy;
  const ecs = /^[A-Za-z0-9_-]{1,255}$/;
  simpleName("deploy.cluster_name", d.cluster_name, ecs, "The cluster name", "클러스터 이름");
  simpleName("deploy.service_name", d.service_name, ecs, "The service name", "서비스 이름");
  simpleName("deploy.container_name", d.container_name, ecs, "The container name", "컨테이너 이름");
  const memories = FARGATE.find(([cpu]) => cpu === d.cpu)?.[1];
  if (!memories)
    add(
      "deploy.cpu",
      "invalid_cpu",
      `Fargate has no task size of ${d.cpu} CPU units.`,
      `Fargate에는 CPU ${d.cpu} 단위 크기가 없습니다.`,
    );
  else if (!memories.includes(d.memory))
    add(
      "deploy.memory",
      "invalid_memory",
      `With ${d.cpu / 1024} vCPU Fargate allows ${memories.map((m) => `${m / 1024} GB`).join(", ")}.`,
      `${d.cpu / 1024} vCPU에서는 Fargate 메모리로 ${memories.map((m) => `${m / 1024} GB`).join(", ")}만 쓸 수 있습니다.`,
    );
  inRange(
    "deploy.container_port",
    d.container_port,
    1,
    65535,
    "The container port",
    "컨테이너 포트",
  );
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(d.port_name))
    add(
      "deploy.port_name",
      "invalid_chars",
      "A port name is lowercase letters, digits and hyphens.",
      "포트 이름은 영문 소문자, 숫자, 하이픈으로 씁니다.",
    );
  if (d.app_protocol === "grpc")
    add(
      "deploy.app_protocol",
      "not_offered",
      "gRPC through a load balancer needs an HTTPS listener and a certificate for a domain, which a lab does not have: use http.",
      "로드 밸런서를 거치는 gRPC에는 HTTPS 리스너와 도메인 인증서가 필요한데 실습에는 없습니다. http를 쓰세요.",
    );
  inRange("deploy.desired_count", d.desired_count, 1, 10, "The number of tasks", "태스크 수");
  inRange(
    "deploy.health_check_grace_period_seconds",
    d.health_check_grace_period_seconds,
    0,
    2147483647,
    "The grace period",
    "유예 기간",
  );
  role("deploy.task_execution_role", d.task_execution_role);
  const elb = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;
  simpleName(
    "deploy.load_balancer.name",
    d.load_balancer.name,
    elb,
    "The load balancer name",
    "로드 밸런서 이름",
  );
  inRange(
    "deploy.load_balancer.listener_port",
    d.load_balancer.listener_port,
    1,
    65535,
    "The listener port",
    "리스너 포트",
  );
  const tg = d.target_group;
  simpleName("deploy.target_group.name", tg.name, elb, "The target group name", "대상 그룹 이름");
  const T = "deploy.target_group";
  inRange(
    `${T}.deregistration_delay_seconds`,
    tg.deregistration_delay_seconds,
    0,
    3600,
    "The deregistration delay",
    "등록 취소 지연",
  );
  inRange(
    `${T}.healthy_threshold`,
    tg.healthy_threshold,
    2,
    10,
    "The healthy threshold",
    "정상 임계값",
  );
  inRange(
    `${T}.unhealthy_threshold`,
    tg.unhealthy_threshold,
    2,
    10,
    "The unhealthy threshold",
    "비정상 임계값",
  );
  inRange(
    `${T}.health_check_interval_seconds`,
    tg.health_check_interval_seconds,
    5,
    300,
    "The health check interval",
    "상태 확인 간격",
  );
  inRange(
    `${T}.health_check_timeout_seconds`,
    tg.health_check_timeout_seconds,
    2,
    120,
    "The health check timeout",
    "상태 확인 제한 시간",
  );
  if (!tg.health_check_path.startsWith("/"))
    add(
      `${T}.health_check_path`,
      "bad_start",
      "The health check path starts with /.",
      "상태 확인 경로는 /로 시작합니다.",
    );
  if (tg.health_check_timeout_seconds >= tg.health_check_interval_seconds)
    add(
      `${T}.health_check_timeout_seconds`,
      "timeout_not_less_than_interval",
      "The health check timeout must be shorter than the interval.",
      "상태 확인 제한 시간은 간격보다 짧아야 합니다.",
    );
  return out;
}
