//! Timestamps as people read them. Keyward stores Unix seconds (UTC) everywhere;
//! these functions turn them into text without a date library in the WASM bundle.

/// Formats Unix seconds as `2026-11-23 17:36 UTC`.
pub fn format_utc(ts: i64) -> String {
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", secs / 3600, secs % 3600 / 60)
}

/// Formats Unix seconds as a date only: `2026-11-23`.
pub fn format_date(ts: i64) -> String {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Describes `ts` relative to `now`: "just now", "5 min ago", "in 3 days".
pub fn relative(now: i64, ts: i64) -> String {
    let delta = ts - now;
    let past = delta < 0;
    let abs = delta.unsigned_abs();
    if abs < 45 {
        return "just now".into();
    }
    let (n, unit) = match abs {
        0..90 => (1, "min"),
        90..3_600 => (abs.div_ceil(60).min(59), "min"),
        3_600..86_400 => (abs / 3_600, "hour"),
        86_400..2_592_000 => (abs / 86_400, "day"),
        2_592_000..31_536_000 => (abs / 2_592_000, "month"),
        _ => (abs / 31_536_000, "year"),
    };
    let plural = if n == 1 || unit == "min" { "" } else { "s" };
    if past {
        format!("{n} {unit}{plural} ago")
    } else {
        format!("in {n} {unit}{plural}")
    }
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(1_795_455_369), "2026-11-23 17:36 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(format_date(-86_400), "1969-12-31");
    }

    #[test]
    fn relative_reads_naturally() {
        let now = 1_000_000;
        assert_eq!(relative(now, now - 10), "just now");
        assert_eq!(relative(now, now - 120), "2 min ago");
        assert_eq!(relative(now, now - 3 * 3600), "3 hours ago");
        assert_eq!(relative(now, now + 86_400), "in 1 day");
        assert_eq!(relative(now, now + 7 * 86_400), "in 7 days");
        assert_eq!(relative(now, now - 400 * 86_400), "1 year ago");
    }
}
