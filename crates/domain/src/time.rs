use serde::{Deserialize, Serialize};
use std::fmt;

/// A moment in time, in whole seconds since the Unix epoch (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Year, month, day, hour, minute (UTC), by Howard Hinnant's civil-from-days.
    fn civil(self) -> (i64, u32, u32, u32, u32) {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        (year, month, day, (secs / 3600) as u32, (secs % 3600 / 60) as u32)
    }
}

/// `2026-11-28 05:49 UTC`
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi) = self.civil();
        write!(f, "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02} UTC")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_moments() {
        assert_eq!(Timestamp(0).to_string(), "1970-01-01 00:00 UTC");
        assert_eq!(Timestamp(951_782_400).to_string(), "2000-02-29 00:00 UTC");
        assert_eq!(Timestamp(1_795_845_000).to_string(), "2026-11-28 05:50 UTC");
        assert_eq!(Timestamp(-60).to_string(), "1969-12-31 23:59 UTC");
    }
}
