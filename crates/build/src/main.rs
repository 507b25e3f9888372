//! `roster-build`: builds Roster's release, the server binary and the site it
//! serves, in one command that prints each step with its time.
//!
//! It does for Roster what `cargo leptos build --release --split
//! --precompress` did, on the same libraries (wasm-bindgen's and
//! wasm-split's), and builds in a minute or two where cargo-leptos took over
//! half an hour to install. Leptos's own tools are not needed.
//!
//! ```text
//! roster-build            # the server and the site
//! roster-build --site     # the site only
//! roster-build --server   # the server only
//! ```

mod site;
mod steps;
mod trim;

use std::path::PathBuf;
use std::process::ExitCode;
use steps::Steps;

/// Where the release goes; `Leptos.toml`'s `[site]` names the same folder.
pub struct Layout {
    /// The repository's root; every command runs there.
    pub root: PathBuf,
    /// The site the server serves: public files at its root, the bundle in `pkg/`.
    pub site: PathBuf,
    /// The file name of the browser module, its script and the stylesheet:
    /// what Leptos was told when it compiled (`.cargo/config.toml`).
    pub output_name: &'static str,
}

impl Layout {
    fn of_this_repository() -> Layout {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let root = root.canonicalize().unwrap_or(root);
        Layout { site: root.join("target/site"), root, output_name: env!("LEPTOS_OUTPUT_NAME") }
    }

    pub fn pkg(&self) -> PathBuf {
        self.site.join("pkg")
    }
}

fn main() -> ExitCode {
    let (server, site) = match std::env::args().nth(1).as_deref() {
        None => (true, true),
        Some("--server") => (true, false),
        Some("--site") => (false, true),
        Some(_) => {
            eprintln!("usage: roster-build [--server | --site]");
            return ExitCode::from(2);
        }
    };
    let layout = Layout::of_this_repository();
    let mut steps = Steps::new(if server { 1 } else { 0 } + if site { site::STEPS } else { 0 });
    let built = (|| {
        if server {
            steps.run("the server (cargo build --release)", || site::build_server(&layout))?;
        }
        if site {
            site::build_site(&layout, &mut steps)?;
        }
        Ok::<(), steps::StepError>(())
    })();
    match built {
        Ok(()) => {
            steps.finish();
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("roster-build: {error}");
            ExitCode::FAILURE
        }
    }
}
