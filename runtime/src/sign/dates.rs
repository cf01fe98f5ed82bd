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
        forks: u64,
    }
    thread_local! {
        static RANDOM: std::cell::RefCell<Pool> = const { std::cell::RefCell::new(Pool { bytes: [0; POOL], used: POOL, forks: 0 }) };
    }
    let bytes = RANDOM.with(|pool| {
        let mut pool = pool.borrow_mut();
        let forks = forks();
        if pool.used == POOL || pool.forks != forks {
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
            pool.forks = forks;
        }
        let start = pool.used;
        pool.used += 16;
        let mut out = [0u8; 16];
        out.copy_from_slice(&pool.bytes[start..start + 16]);
        out
    });
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// How many times this process's ancestors up to it forked since its first nonce: a child sees
/// a number its parent's pools do not hold, so it draws afresh. Counted by a `pthread_atfork`
/// handler registered before the first pool is filled, which costs an atomic load per nonce,
/// where asking for the process id cost a system call (two per call with an idempotency token).
#[cfg(unix)]
fn forks() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static FORKS: AtomicU64 = AtomicU64::new(0);
    static REGISTER: std::sync::Once = std::sync::Once::new();
    extern "C" fn in_child() {
        // Async-signal-safe, as a fork handler must be: one atomic addition.
        FORKS.fetch_add(1, Ordering::Relaxed);
    }
    REGISTER.call_once(|| {
        // SAFETY: registers a handler that only touches an atomic; no other requirement.
        // Should registration fail (no memory), the pools would be shared with a child: fall
        // back to counting the process id's changes instead, which a child always sees.
        if unsafe { libc::pthread_atfork(None, None, Some(in_child)) } != 0 {
            FORKS.store(u64::MAX, Ordering::Relaxed);
        }
    });
    match FORKS.load(Ordering::Relaxed) {
        u64::MAX => u64::from(std::process::id()),
        n => n,
    }
}

/// No `fork` to guard against.
#[cfg(not(unix))]
fn forks() -> u64 {
    0
}

/// `YYYY-MM-DDTHH:MM:SSZ` in UTC (`x-acs-date`, `Timestamp`). Computed directly from the Unix
/// time (days to civil date, H. Hinnant's algorithm): it is on every request's path.
pub fn format_timestamp(time: std::time::SystemTime) -> String {
    let (days, rem) = days_and_seconds(time);
    let (year, month, day) = civil_from_days(days);
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

/// Whole days since 1970-01-01 (negative before it) and the seconds into that day, UTC.
fn days_and_seconds(time: std::time::SystemTime) -> (i64, i64) {
    let secs = match time.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs_f64().ceil() as i64),
    };
    (secs.div_euclid(86_400), secs.rem_euclid(86_400))
}

/// Days since 1970-01-01 as a civil date (year, month 1–12, day 1–31); H. Hinnant's algorithm.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// A civil date as days since 1970-01-01; the inverse of [`civil_from_days`].
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The instant `seconds` (and `nanos`) after 1970-01-01T00:00:00Z, before it when negative.
fn instant(seconds: i64, nanos: u32) -> Option<std::time::SystemTime> {
    let whole = std::time::Duration::from_secs(seconds.unsigned_abs());
    let at = if seconds >= 0 { std::time::UNIX_EPOCH.checked_add(whole)? } else { std::time::UNIX_EPOCH.checked_sub(whole)? };
    at.checked_add(std::time::Duration::from_nanos(u64::from(nanos)))
}

/// `n` ASCII digits at the start of `text`, as a number.
fn digits(text: &[u8], n: usize) -> Option<i64> {
    let part = text.get(..n)?;
    part.iter().try_fold(0i64, |acc, b| b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0')))
}

/// `YYYY-MM-DD` and `HH:MM:SS` (separated by one byte the caller checks) as seconds since the
/// epoch, each field in range.
fn date_time(date: &[u8], time: &[u8]) -> Option<i64> {
    if date.len() != 10 || date[4] != b'-' || date[7] != b'-' || time.len() != 8 || time[2] != b':' || time[5] != b':' {
        return None;
    }
    let (year, month, day) = (digits(date, 4)?, digits(&date[5..], 2)?, digits(&date[8..], 2)?);
    let (hour, minute, second) = (digits(time, 2)?, digits(&time[3..], 2)?, digits(&time[6..], 2)?);
    if !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// An HTTP date (RFC 1123, GMT), as the legacy ROA signature's `Date` header:
/// `Tue, 02 Jan 2024 03:04:05 GMT`.
pub fn format_http_date(time: std::time::SystemTime) -> String {
    let (days, rem) = days_and_seconds(time);
    let (year, month, day) = civil_from_days(days);
    // 1970-01-01 was a Thursday.
    let weekday = WEEKDAYS[(days + 4).rem_euclid(7) as usize];
    format!("{weekday}, {day:02} {} {year:04} {:02}:{:02}:{:02} GMT", MONTHS[month as usize - 1], rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Parses an HTTP date written by [`format_http_date`] (RFC 1123, GMT); the weekday must be the
/// date's.
pub fn parse_http_date(text: &str) -> Option<std::time::SystemTime> {
    let text = text.trim();
    let (weekday, rest) = text.split_once(", ")?;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, clock, "GMT"] = parts.as_slice() else { return None };
    let month = MONTHS.iter().position(|m| m == month)? + 1;
    if day.len() != 2 || year.len() != 4 {
        return None;
    }
    let date = format!("{year}-{month:02}-{day}");
    let seconds = date_time(date.as_bytes(), clock.as_bytes())?;
    (WEEKDAYS[(seconds.div_euclid(86_400) + 4).rem_euclid(7) as usize] == weekday).then_some(())?;
    instant(seconds, 0)
}

/// Parses a timestamp written by [`format_timestamp`].
pub fn parse_timestamp(text: &str) -> Option<std::time::SystemTime> {
    let bytes = text.as_bytes();
    if bytes.len() != 20 || bytes[10] != b'T' || bytes[19] != b'Z' {
        return None;
    }
    instant(date_time(&bytes[..10], &bytes[11..19])?, 0)
}

/// Parses RFC 3339: `2024-01-02T12:04:05.5+08:00`, `…t…z`, fractions and offsets allowed.
pub fn parse_rfc3339(text: &str) -> Option<std::time::SystemTime> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || !matches!(bytes[10], b'T' | b't') {
        return None;
    }
    let mut seconds = date_time(&bytes[..10], &bytes[11..19])?;
    let mut rest = &bytes[19..];
    let mut nanos = 0u32;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        for (i, b) in fraction[..n].iter().take(9).enumerate() {
            nanos += u32::from(b - b'0') * 10u32.pow(8 - i as u32);
        }
        rest = &fraction[n..];
    }
    match rest {
        b"Z" | b"z" => {}
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (hours, minutes) = (digits(&[*h1, *h2], 2)?, digits(&[*m1, *m2], 2)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let offset = hours * 3600 + minutes * 60;
            seconds -= if *sign == b'+' { offset } else { -offset };
        }
        _ => return None,
    }
    instant(seconds, nanos)
}

#[cfg(all(test, unix))]
mod fork_tests {
    /// A forked child must not repeat the nonces its parent draws next from the same pool.
    #[test]
    fn a_forked_child_draws_afresh() {
        let _ = super::random_uuid(); // The parent's pool, filled.
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors `pipe` writes.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // SAFETY: the child only draws a UUID (a thread-local pool, a getrandom call, no
        // allocation), writes it to the pipe and leaves with `_exit`.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            let bytes = *super::random_uuid().as_bytes();
            // SAFETY: writes 16 bytes from a live array to the pipe's write end, then ends the
            // child without running the parent's destructors or the test harness.
            unsafe {
                libc::write(fds[1], bytes.as_ptr().cast(), bytes.len());
                libc::_exit(0);
            }
        }
        let mut child = [0u8; 16];
        // SAFETY: reads at most 16 bytes into a live array; waits for the child it forked.
        let read = unsafe { libc::read(fds[0], child.as_mut_ptr().cast(), child.len()) };
        let mut status = 0;
        // SAFETY: as above.
        unsafe {
            libc::waitpid(pid, &mut status, 0);
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
        assert_eq!(read, 16, "the child wrote its UUID");
        let parent = *super::random_uuid().as_bytes();
        assert_ne!(child, parent, "the child repeated the parent's next nonce");
    }
}
