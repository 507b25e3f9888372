//! `roster-bench`: measures Roster on a fresh, seeded database of its own
//! and prints the figures BENCHMARKS.md records.

mod bulk;
mod import;
mod merge;
mod search;
mod sessions;
mod sign_in;

use clap::{Parser, Subcommand};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "roster-bench", about = "Measures Roster on a fresh, seeded database of its own and prints the figures")]
struct Cli {
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// Search latency through the real server function, against the naive LIKE baseline.
    Search(search::SearchBench),
    /// Sign-ins per second with production Argon2 settings, and search latency while they run.
    SignIn(sign_in::SignInBench),
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let outcome = match Cli::parse().bench {
        Bench::Search(bench) => search::run_search_bench(bench).await,
        Bench::SignIn(bench) => sign_in::run_sign_in_bench(bench).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("roster-bench: {message}");
            ExitCode::FAILURE
        }
    }
}
