//! Durations in policy files: `7d`, `36h`, `2w`, `1d12h`, `90m`, `30s`.

use std::time::Duration;

/// Parses a sequence of `<number><unit>` with units `w`, `d`, `h`, `m`, `s`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("empty duration (expected e.g. 7d or 36h)".into());
    }
    let mut total: u64 = 0;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!("`{s}`: expected a number before `{rest}`"));
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("`{s}`: number too large"))?;
        let unit = rest[digits..].chars().next();
        let secs = match unit {
            Some('w') => 7 * 86400,
            Some('d') => 86400,
            Some('h') => 3600,
            Some('m') => 60,
            Some('s') => 1,
            Some(c) => return Err(format!("`{s}`: unknown unit `{c}` (use w, d, h, m or s)")),
            None => {
                return Err(format!(
                    "`{s}`: a unit is required after {n} (w, d, h, m or s)"
                ));
            }
        };
        total = n
            .checked_mul(secs)
            .and_then(|x| total.checked_add(x))
            .ok_or_else(|| format!("`{s}`: duration too large"))?;
        rest = &rest[digits + 1..];
    }
    Ok(Duration::from_secs(total))
}

/// `7d`, `36h`: the shortest exact spelling, for messages.
pub fn format_duration(d: Duration) -> String {
    let s = d.as_secs();
    for (unit, n) in [("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60)] {
        if s >= n && s.is_multiple_of(n) {
            return format!("{}{unit}", s / n);
        }
    }
    format!("{s}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(604800)));
        assert_eq!(parse_duration("36h"), Ok(Duration::from_secs(129600)));
        assert_eq!(parse_duration("1d12h"), Ok(Duration::from_secs(129600)));
        assert_eq!(parse_duration(" 2w "), Ok(Duration::from_secs(1209600)));
        for bad in [
            "",
            "7",
            "d",
            "7 d",
            "7days",
            "1.5d",
            "-1d",
            "99999999999999999999d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(format_duration(Duration::from_secs(129600)), "36h");
        assert_eq!(format_duration(Duration::from_secs(604800)), "1w");
        assert_eq!(format_duration(Duration::from_secs(61)), "61s");
    }
}
