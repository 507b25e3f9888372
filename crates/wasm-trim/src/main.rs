//! `roster-wasm-trim MODULE`: trims a linked browser module in place (see the
//! library's documentation). `scripts/wasm-ld` runs it after every link.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: roster-wasm-trim MODULE.wasm");
        return ExitCode::from(2);
    };
    let shown = path.to_string_lossy().into_owned();
    let result = std::fs::read(&path).map_err(|e| e.to_string()).and_then(|mut module| {
        let outcome = roster_wasm_trim::trim(&mut module).map_err(|e| e.to_string())?;
        if outcome.cut > 0 {
            std::fs::write(&path, &module).map_err(|e| e.to_string())?;
        }
        Ok(outcome)
    });
    match result {
        Ok(outcome) => {
            eprintln!("roster-wasm-trim: {shown}: {outcome}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("roster-wasm-trim: {shown}: {error}");
            ExitCode::FAILURE
        }
    }
}
