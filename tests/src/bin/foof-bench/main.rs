//! `make bench`: cold starts, warm latency, AWS calls and CPU per request (with search split by
//! query shape), binary sizes, and search at 1k and 10k items, printed as tables and written to
//! docs/performance.md.
//! Runs against the emulators `scripts/with-emulators.sh` starts (fresh, so the search corpus
//! is exactly what this bench seeds).

mod cold;
mod report;
mod search;
mod search_shapes;
mod warm;

use std::path::PathBuf;

pub const FUNCTIONS: [&str; 7] = ["users", "items", "favorites", "chats", "trades", "search", "images"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

#[tokio::main]
async fn main() {
    foof_tests::emulator_endpoint();
    let release = root().join("target/release");
    let mut report = report::Report::default();
    eprintln!("bench: cold starts");
    report.cold = cold::measure(&release, 11).await;
    report.sizes = report::binary_sizes(&root().join("target/lambda"));
    eprintln!("bench: warm requests");
    (report.warm, report.search_shapes) = warm::measure(&release.join("foof-devserver")).await;
    eprintln!("bench: search at 1k and 10k items");
    report.search = search::measure(&[1_000, 10_000]).await;
    let markdown = report.markdown();
    println!("{markdown}");
    std::fs::write(root().join("docs/performance.md"), markdown).expect("docs/performance.md is writable");
}
