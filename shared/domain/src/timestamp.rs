//! ISO-8601 UTC timestamps with milliseconds, the format the original server's JSON used.

/// `1567607345000` → `"2019-09-04T14:29:05.000Z"`.
pub fn iso8601_millis(epoch_ms: i64) -> String {
    let days = epoch_ms.div_euclid(86_400_000);
    let ms_of_day = epoch_ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    let (hours, minutes) = (ms_of_day / 3_600_000, ms_of_day / 60_000 % 60);
    let (seconds, millis) = (ms_of_day / 1000 % 60, ms_of_day % 1000);
    format!("{year:04}-{month:02}-{day:02}T{hours:02}:{minutes:02}:{seconds:02}.{millis:03}Z")
}

/// `"20190904"`: the UTC calendar day, used to key per-day limits.
pub fn utc_day(epoch_ms: i64) -> String {
    let (year, month, day) = civil_from_days(epoch_ms.div_euclid(86_400_000));
    format!("{year:04}{month:02}{day:02}")
}

/// Start of the next UTC day, in epoch milliseconds.
pub fn next_utc_midnight_ms(epoch_ms: i64) -> i64 {
    (epoch_ms.div_euclid(86_400_000) + 1) * 86_400_000
}

/// `"2019-09-04T14:29:05Z"` (or with `.000` milliseconds) → epoch milliseconds: the UTC times
/// EventBridge's scheduled events carry. `None` for anything else.
pub fn parse_utc(text: &str) -> Option<i64> {
    let text = text.strip_suffix('Z')?;
    let (date, time) = text.split_once('T')?;
    let number = |part: &str, digits: usize| {
        (part.len() == digits && part.bytes().all(|b| b.is_ascii_digit())).then(|| part.parse::<i64>().ok())?
    };
    let mut date_parts = date.split('-');
    let (year, month, day) = (
        number(date_parts.next()?, 4)?,
        number(date_parts.next()?, 2)?,
        number(date_parts.next()?, 2)?,
    );
    let (clock, millis) = match time.split_once('.') {
        Some((clock, fraction)) => (clock, number(fraction, 3)?),
        None => (time, 0),
    };
    let mut clock_parts = clock.split(':');
    let (hours, minutes, seconds) = (
        number(clock_parts.next()?, 2)?,
        number(clock_parts.next()?, 2)?,
        number(clock_parts.next()?, 2)?,
    );
    if date_parts.next().is_some()
        || clock_parts.next().is_some()
        || !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hours > 23
        || minutes > 59
        || seconds > 59
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    if civil_from_days(days) != (year, month as u32, day as u32) {
        return None; // 31 April, 29 February of a common year
    }
    Some(days * 86_400_000 + ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis)
}

/// Howard Hinnant's civil-to-days algorithm, the inverse of [`civil_from_days`].
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let shifted_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(days_since_epoch: i64) -> (i64, u32, u32) {
    let z = days_since_epoch + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_original_servers_example() {
        assert_eq!(iso8601_millis(1_567_607_345_000), "2019-09-04T14:29:05.000Z");
    }

    #[test]
    fn keeps_milliseconds_and_handles_leap_days() {
        assert_eq!(iso8601_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601_millis(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(iso8601_millis(1_798_761_599_999), "2026-12-31T23:59:59.999Z");
    }

    #[test]
    fn parses_what_it_formats_and_eventbridges_times() {
        for ms in [0, 951_782_400_123, 1_567_607_345_000, 1_798_761_599_999] {
            assert_eq!(parse_utc(&iso8601_millis(ms)), Some(ms));
        }
        assert_eq!(parse_utc("2019-09-04T14:29:05Z"), Some(1_567_607_345_000));
        for bad in [
            "2019-09-04T14:29:05",
            "2019-02-29T00:00:00Z",
            "2019-13-01T00:00:00Z",
            "2019-9-4T14:29:05Z",
            "x",
        ] {
            assert_eq!(parse_utc(bad), None, "{bad}");
        }
    }

    #[test]
    fn days_and_midnights() {
        assert_eq!(utc_day(1_567_607_345_000), "20190904");
        assert_eq!(next_utc_midnight_ms(1_567_607_345_000), 1_567_641_600_000);
        assert_eq!(next_utc_midnight_ms(1_567_641_600_000), 1_567_728_000_000);
    }
}
