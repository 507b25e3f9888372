use roster_domain::Timestamp;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where Roster reads the time. Tests use a manual clock to step past
/// session timeouts without waiting.
#[derive(Clone, Debug)]
pub enum Clock {
    System,
    Manual(Arc<AtomicI64>),
}

impl Clock {
    pub fn manual(start: Timestamp) -> Clock {
        Clock::Manual(Arc::new(AtomicI64::new(start.0)))
    }

    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => {
                Timestamp(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64))
            }
            Clock::Manual(t) => Timestamp(t.load(Ordering::SeqCst)),
        }
    }

    /// Moves a manual clock forward; a system clock cannot be moved.
    pub fn advance(&self, seconds: i64) {
        match self {
            Clock::System => panic!("the system clock cannot be advanced"),
            Clock::Manual(t) => {
                t.fetch_add(seconds, Ordering::SeqCst);
            }
        }
    }
}
