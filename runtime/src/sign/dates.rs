//! Timestamps, HTTP dates and nonces as the protocol writes them.

use super::*;

/// A 32-character lower-case hex nonce, as the SDKs send (`x-acs-signature-nonce`,
/// `SignatureNonce`).
pub fn new_nonce() -> String {
    let mut buffer = [0u8; uuid::fmt::Simple::LENGTH];
    random_uuid().simple().encode_lower(&mut buffer).to_owned()
}

/// A random UUID in its hyphenated form (an idempotency token), without `fmt`.
pub fn new_uuid() -> String {
    let mut buffer = [0u8; uuid::fmt::Hyphenated::LENGTH];
    random_uuid().hyphenated().encode_lower(&mut buffer).to_owned()
}

/// A version 4 UUID from the operating system's random generator, as `Uuid::new_v4` makes
/// one, without the `rand` crate its fast path needs: each thread takes 16 UUIDs' worth of bytes
/// per system call, and draws afresh in a forked child, which must not repeat its parent's.
fn random_uuid() -> uuid::Uuid {
    const POOL: usize = 256;
    struct Pool {
        bytes: [u8; POOL],
        used: usize,
        process: u32,
    }
    thread_local! {
        static RANDOM: std::cell::RefCell<Pool> = const { std::cell::RefCell::new(Pool { bytes: [0; POOL], used: POOL, process: 0 }) };
    }
    let bytes = RANDOM.with(|pool| {
        let mut pool = pool.borrow_mut();
        let process = std::process::id();
        if pool.used == POOL || pool.process != process {
            if getrandom::fill(&mut pool.bytes).is_err() {
                // No random generator (a sandbox that forbids it): distinct values still, from
                // the hasher std seeds per process and a counter.
                use std::hash::BuildHasher as _;
                static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                let state = std::collections::hash_map::RandomState::new();
                for chunk in pool.bytes.chunks_mut(8) {
                    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    chunk.copy_from_slice(&state.hash_one((n, std::time::SystemTime::UNIX_EPOCH.elapsed().ok())).to_le_bytes());
                }
            }
            pool.used = 0;
            pool.process = process;
        }
        let start = pool.used;
        pool.used += 16;
        let mut out = [0u8; 16];
        out.copy_from_slice(&pool.bytes[start..start + 16]);
        out
    });
    uuid::Builder::from_random_bytes(bytes).into_uuid()
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
