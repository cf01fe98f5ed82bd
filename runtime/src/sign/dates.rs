//! Timestamps, HTTP dates and nonces as the protocol writes them.

use super::*;

/// A 32-character lower-case hex nonce, as the SDKs send (`x-acs-signature-nonce`,
/// `SignatureNonce`).
pub fn new_nonce() -> String {
    let mut buffer = [0u8; uuid::fmt::Simple::LENGTH];
    uuid::Uuid::new_v4().simple().encode_lower(&mut buffer).to_owned()
}

/// A random UUID in its hyphenated form (an idempotency token), without `fmt`.
pub fn new_uuid() -> String {
    let mut buffer = [0u8; uuid::fmt::Hyphenated::LENGTH];
    uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buffer).to_owned()
}

/// `YYYY-MM-DDTHH:MM:SSZ` in UTC (`x-acs-date`, `Timestamp`). Computed directly from the Unix
/// time (days to civil date, H. Hinnant's algorithm): it is on every request's path.
pub fn format_timestamp(time: std::time::SystemTime) -> String {
    let secs = match time.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs_f64().ceil() as i64),
    };
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    if !(0..=9999).contains(&year) {
        return format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60);
    }
    // Digits written directly: `format!` costs more than the rest of this function.
    let digit = |n: i64| b'0' + n as u8;
    let two = |n: i64| [digit(n / 10), digit(n % 10)];
    let (y, mo, d, h, mi, se) = (year, two(month), two(day), two(rem / 3600), two(rem % 3600 / 60), two(rem % 60));
    let text = [
        digit(y / 1000),
        digit(y / 100 % 10),
        digit(y / 10 % 10),
        digit(y % 10),
        b'-',
        mo[0],
        mo[1],
        b'-',
        d[0],
        d[1],
        b'T',
        h[0],
        h[1],
        b':',
        mi[0],
        mi[1],
        b':',
        se[0],
        se[1],
        b'Z',
    ];
    ascii_string(text.to_vec())
}

/// An HTTP date (RFC 1123, GMT), as the legacy ROA signature's `Date` header:
/// `Tue, 02 Jan 2024 03:04:05 GMT`.
pub fn format_http_date(time: std::time::SystemTime) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let t = time::OffsetDateTime::from(time).to_offset(time::UtcOffset::UTC);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[t.weekday().number_days_from_monday() as usize],
        t.day(),
        MONTHS[u8::from(t.month()) as usize - 1],
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Parses an HTTP date written by [`format_http_date`] (RFC 1123, GMT).
pub fn parse_http_date(text: &str) -> Option<std::time::SystemTime> {
    let format = time::macros::format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
    time::PrimitiveDateTime::parse(text.trim(), format).ok().map(|t| t.assume_utc().into())
}

/// Parses a timestamp written by [`format_timestamp`].
pub fn parse_timestamp(text: &str) -> Option<std::time::SystemTime> {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::PrimitiveDateTime::parse(text, format).ok().map(|t| t.assume_utc().into())
}
