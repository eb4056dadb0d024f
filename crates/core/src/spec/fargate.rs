//! Fargate's task sizes: the CPU units it offers and the memory each allows, as rules for
//! the spec and as the list the UI's size picker shows.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::checks::{Rule, problem};

/// One Fargate task size, as the UI's size picker lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TaskSize {
    /// CPU units (1024 = 1 vCPU).
    pub cpu: u32,
    /// MiB.
    pub memory: u32,
    /// e.g. "1 vCPU / 3 GB".
    pub label: String,
}

/// Every CPU/memory pair Fargate accepts, smallest first.
pub fn fargate_sizes() -> Vec<TaskSize> {
    FARGATE_CPUS
        .iter()
        .flat_map(|&cpu| {
            fargate_memory(cpu).into_iter().map(move |memory| TaskSize {
                cpu,
                memory,
                label: format!("{} / {}", vcpu_label(cpu), gb_label(memory)),
            })
        })
        .collect()
}

/// Fargate's task CPU sizes, in CPU units (1024 = 1 vCPU).
const FARGATE_CPUS: [u32; 7] = [256, 512, 1024, 2048, 4096, 8192, 16384];

/// The memory sizes (MiB) Fargate allows with `cpu` units; empty when `cpu` is not a size.
fn fargate_memory(cpu: u32) -> Vec<u32> {
    let gb = |from: u32, to: u32, step: usize| (from..=to).step_by(step).map(|g| g * 1024).collect();
    match cpu {
        256 => vec![512, 1024, 2048],
        512 => gb(1, 4, 1),
        1024 => gb(2, 8, 1),
        2048 => gb(4, 16, 1),
        4096 => gb(8, 30, 1),
        8192 => gb(16, 60, 4),
        16384 => gb(32, 120, 8),
        _ => Vec::new(),
    }
}

fn vcpu_label(cpu: u32) -> String {
    format!("{} vCPU", cpu as f64 / 1024.0)
}

fn gb_label(memory: u32) -> String {
    format!("{} GB", memory as f64 / 1024.0)
}

pub(crate) fn fargate_cpu(cpu: u32) -> Rule {
    if fargate_memory(cpu).is_empty() {
        let list = FARGATE_CPUS
            .iter()
            .map(|&c| format!("{c} ({})", vcpu_label(c)))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(problem(
            "invalid_cpu",
            format!("Fargate has no task size of {cpu} CPU units; choose one of {list}."),
            format!("Fargate에는 CPU {cpu} 단위 크기가 없습니다. 다음 중에서 고르세요: {list}."),
        ));
    }
    Ok(())
}

/// Whether `memory` goes with `cpu`; assumes `cpu` itself passed [`fargate_cpu`].
pub(crate) fn fargate_memory_for(cpu: u32, memory: u32) -> Rule {
    let allowed = fargate_memory(cpu);
    if allowed.is_empty() || allowed.contains(&memory) {
        return Ok(());
    }
    let list = allowed.iter().map(|&m| gb_label(m)).collect::<Vec<_>>().join(", ");
    Err(problem(
        "invalid_memory",
        format!(
            "With {} Fargate allows {list} (now {}).",
            vcpu_label(cpu),
            gb_label(memory)
        ),
        format!(
            "{}에서는 Fargate 메모리로 {list}만 쓸 수 있습니다 (지금 {}).",
            vcpu_label(cpu),
            gb_label(memory)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Rule) -> &'static str {
        r.err().map_or("ok", |p| p.code)
    }

    #[test]
    fn fargate_pairs() {
        assert_eq!(code(fargate_cpu(1024)), "ok");
        assert_eq!(code(fargate_cpu(1000)), "invalid_cpu");
        for (cpu, mem) in [
            (256, 512),
            (256, 2048),
            (512, 4096),
            (1024, 3072),
            (2048, 16384),
            (4096, 30720),
            (8192, 61440),
            (16384, 122880),
        ] {
            assert_eq!(code(fargate_memory_for(cpu, mem)), "ok", "{cpu}/{mem}");
        }
        for (cpu, mem) in [
            (256, 3072),
            (512, 512),
            (1024, 1024),
            (1024, 3500),
            (4096, 31744),
            (8192, 18432),
            (16384, 36864),
        ] {
            assert_eq!(code(fargate_memory_for(cpu, mem)), "invalid_memory", "{cpu}/{mem}");
        }
        let p = fargate_memory_for(1024, 1024).unwrap_err();
        assert_eq!(
            p.en,
            "With 1 vCPU Fargate allows 2 GB, 3 GB, 4 GB, 5 GB, 6 GB, 7 GB, 8 GB (now 1 GB)."
        );
        assert_eq!(fargate_memory(8192).len(), 12);
    }

    #[test]
    fn fargate_sizes_include_the_lecture_size() {
        let sizes = fargate_sizes();
        assert!(
            sizes
                .iter()
                .any(|t| t.cpu == 1024 && t.memory == 3072 && t.label == "1 vCPU / 3 GB")
        );
        assert_eq!(sizes.first().map(|t| t.label.as_str()), Some("0.25 vCPU / 0.5 GB"));
        assert!(sizes.iter().all(|t| fargate_memory_for(t.cpu, t.memory).is_ok()));
    }
}
