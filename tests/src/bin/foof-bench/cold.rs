//! Each release function binary started under the Lambda Runtime API stub: time from exec to
//! the first reply, and peak RSS, over several starts.

use crate::function::event;
use foof_tests::RuntimeApiStub;
use std::path::Path;
use std::time::Instant;

pub struct ColdStart {
    pub function: &'static str,
    pub median_ms: f64,
    pub worst_ms: f64,
    pub peak_rss_kib: u64,
}

/// VmHWM (peak resident set) of a live process, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

pub async fn measure(release: &Path, starts: usize) -> Vec<ColdStart> {
    let mut rows = Vec::new();
    for function in crate::FUNCTIONS {
        let binary = release.join(function);
        assert!(
            binary.exists(),
            "{} is missing: run `cargo build --release --bins` first",
            binary.display()
        );
        let mut times = Vec::with_capacity(starts);
        let mut peak = 0;
        for _ in 0..starts {
            let runtime = RuntimeApiStub::start().await;
            let started = Instant::now();
            let mut child = tokio::process::Command::new(&binary)
                .env("AWS_LAMBDA_RUNTIME_API", &runtime.address)
                .env("AWS_LAMBDA_FUNCTION_NAME", function)
                .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
                .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
                .env("RUST_LOG", "warn")
                .stdout(std::process::Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .expect("the function starts");
            let reply = runtime.invoke(event("GET", "/bench/cold-start", None)).await.response();
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(reply["statusCode"], 404, "{function} answered the probe");
            peak = peak.max(peak_rss_kib(child.id().unwrap_or_default()));
            child.kill().await.ok();
        }
        times.sort_by(f64::total_cmp);
        rows.push(ColdStart {
            function,
            median_ms: times[times.len() / 2],
            worst_ms: times[times.len() - 1],
            peak_rss_kib: peak,
        });
    }
    rows
}
