//! The `roster-bench` command line, run as a real process on a small SQLite database.

use std::process::Command;

#[test]
fn the_search_bench_seeds_measures_and_prints_its_figures() {
    let args = ["search", "--users", "3000", "--searches", "40", "--naive-searches", "5", "--import-rows", "300"];
    let output = Command::new(env!("CARGO_BIN_EXE_roster-bench")).args(args).output().expect("roster-bench runs");
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    for figure in [
        "3000 users on Sqlite",
        "search over HTTP (indexed)",
        "naive LIKE '%x%'",
        "deep page, newest first (store)",
        "deep page, by name (HTTP)",
        "count, exact (store)",
        "exact count of all 3001 users",
        "import CSV, new users: test run (HTTP)",
        "import CSV, every city changed: import (HTTP)",
        "Merge: a user with 10,000 tickets (HTTP)",
    ] {
        assert!(text.contains(figure), "missing {figure:?} in:\n{text}");
    }
}
