//! A line for each step as it starts and ends, with its time, so whoever
//! runs the build sees what it is doing and what is left.

use std::fmt;
use std::time::{Duration, Instant};

/// Whatever made a step fail, said in words.
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
#[error("{step} failed: {failure}")]
pub struct StepError {
    step: String,
    failure: Failure,
}

pub struct Steps {
    total: usize,
    done: usize,
    started: Instant,
}

impl Steps {
    pub fn new(total: usize) -> Steps {
        Steps { total, done: 0, started: Instant::now() }
    }

    pub fn run<T>(&mut self, step: &str, work: impl FnOnce() -> Result<T, Failure>) -> Result<T, StepError> {
        self.done += 1;
        let counter = format!("[{}/{}]", self.done, self.total);
        println!("\x1b[1m==> {counter} {step}\x1b[0m");
        let started = Instant::now();
        let result = work().map_err(|failure| StepError { step: step.to_owned(), failure })?;
        println!("    {counter} done in {}", Elapsed(started.elapsed()));
        Ok(result)
    }

    pub fn finish(&self) {
        println!("\x1b[1m==> Built in {}\x1b[0m", Elapsed(self.started.elapsed()));
    }
}

/// `4.2 s`, or `12 min 5 s` past a minute.
pub struct Elapsed(pub Duration);

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.0.as_secs_f64();
        if seconds < 60.0 {
            write!(f, "{seconds:.1} s")
        } else {
            let whole = self.0.as_secs();
            write!(f, "{} min {} s", whole / 60, whole % 60)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_reads_as_seconds_then_minutes() {
        assert_eq!(Elapsed(Duration::from_millis(4_240)).to_string(), "4.2 s");
        assert_eq!(Elapsed(Duration::from_secs(725)).to_string(), "12 min 5 s");
    }
}
