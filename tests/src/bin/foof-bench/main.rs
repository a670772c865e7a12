//! `make bench`: cold starts, warm latency, AWS calls and CPU per request (with search split by
//! query shape), binary sizes, and search at scale (a realistic corpus at 10k and 100k items),
//! printed as tables and written to docs/performance.md.
//! `make bench-search` (`foof-bench search`): only search at scale; it replaces that section
//! of the report and leaves the rest as it was.
//! Runs against the emulators `scripts/with-emulators.sh` starts; search at scale indexes its
//! corpus in tables of its own, so it is exactly what this bench seeds.
//! `FOOF_BENCH_REPORT` names another report file; `FOOF_BENCH_SEARCH_SIZES` (e.g. `1000,5000`)
//! other corpus sizes, `FOOF_BENCH_COMPACTION_WAIT_SECONDS` how long the compactor may fold
//! after each seeding (20 minutes), `FOOF_BENCH_SEED_CONCURRENCY` creates in flight (1).

mod cold;
mod corpus;
mod function;
mod report;
mod search;
mod search_shapes;
mod warm;

use std::path::PathBuf;

pub const FUNCTIONS: [&str; 7] = ["users", "items", "favorites", "chats", "trades", "search", "images"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

fn report_path() -> PathBuf {
    std::env::var_os("FOOF_BENCH_REPORT").map_or_else(|| root().join("docs/performance.md"), PathBuf::from)
}

#[tokio::main]
async fn main() {
    foof_tests::emulator_endpoint();
    let release = root().join("target/release");
    let devserver = release.join("foof-devserver");
    let sizes = search::sizes();
    match std::env::args().nth(1).as_deref() {
        None | Some("all") => {
            let mut report = report::Report::default();
            eprintln!("bench: cold starts");
            report.cold = cold::measure(&release, 11).await;
            report.sizes = report::binary_sizes(&root().join("target/lambda"));
            eprintln!("bench: warm requests");
            (report.warm, report.search_shapes) = warm::measure(&devserver).await;
            eprintln!("bench: search at scale ({sizes:?} items)");
            report.search = Some(search::measure(&release, &sizes).await);
            let markdown = report.markdown();
            println!("{markdown}");
            std::fs::write(report_path(), markdown).expect("the report file is writable");
        }
        Some("search") => {
            eprintln!("bench: search at scale ({sizes:?} items)");
            let section = report::search_at_scale_markdown(&search::measure(&release, &sizes).await);
            println!("{section}");
            let path = report_path();
            let before = std::fs::read_to_string(&path).unwrap_or_default();
            std::fs::write(&path, report::replace_search_section(&before, &section))
                .expect("the report file is writable");
            eprintln!("bench: wrote {}", path.display());
        }
        Some(other) => {
            eprintln!("usage: foof-bench [all | search]  (not {other:?})");
            std::process::exit(2);
        }
    }
}
