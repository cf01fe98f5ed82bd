//! The shape most spec patterns have, `^` then classes with counts then `$`
//! (`^[A-Za-z][A-Za-z0-9:_-]{1,127}$`), run without a regex engine: per character, one test
//! against each class and a shift of each class's set of counts. regex-lite's PikeVM takes
//! about a microsecond for such a pattern on a short value; this takes an eighth of it. It is
//! used only for a pattern regex-lite compiles, and means the same: classes of characters
//! (`\d`, `\w` and `\s` ASCII), `.` any character but `\n`, `$` the end of the value. Anything
//! else (groups, alternation, flags, assertions, counts above [`MAX_COUNT`]) is left to
//! regex-lite.

/// The largest count a class may have here (`{1,255}`); a larger one goes to regex-lite.
pub(super) const MAX_COUNT: u32 = 255;

/// The most classes a pattern may have here.
const MAX_ATOMS: usize = 8;

/// Counts as a bit set: bit `k` set when `k` characters of the class have been read.
type Counts = [u64; 4];

/// A set of characters.
#[derive(Clone, Debug)]
struct Set {
    ascii: u128,
    /// Ranges of characters beyond ASCII, inclusive.
    wide: Vec<(char, char)>,
    negated: bool,
}

impl Set {
    fn empty() -> Self {
        Self { ascii: 0, wide: Vec::new(), negated: false }
    }

    fn add_range(&mut self, lo: char, hi: char) {
        for c in lo..=hi.min('\x7f') {
            self.ascii |= 1 << c as u32;
        }
        if hi > '\x7f' {
            self.wide.push((lo.max('\u{80}'), hi));
        }
    }

    fn add_shorthand(&mut self, class: char) {
        match class {
            'd' => self.add_range('0', '9'),
            'w' => {
                for (lo, hi) in [('0', '9'), ('A', 'Z'), ('a', 'z'), ('_', '_')] {
                    self.add_range(lo, hi);
                }
            }
            // `\s`: the ASCII white space regex-lite takes (`[\t\n\v\f\r ]`).
            _ => {
                for c in ['\t', '\n', '\x0b', '\x0c', '\r', ' '] {
                    self.add_range(c, c);
                }
            }
        }
    }

    fn contains(&self, c: char) -> bool {
        let inside = if c.is_ascii() { self.ascii & (1 << c as u32) != 0 } else { self.wide.iter().any(|&(lo, hi)| lo <= c && c <= hi) };
        inside != self.negated
    }
}

/// A class and how many of its characters in a row, as masks over [`Counts`].
#[derive(Clone, Debug)]
struct Atom {
    set: Set,
    /// The counts worth keeping: up to the maximum, or up to the minimum when there is no
    /// maximum (every count past it is alike).
    keep: Counts,
    /// The counts that complete the class: from the minimum to the maximum.
    done: Counts,
    /// With no maximum, the minimum, where counts past it are folded.
    fold: Option<u32>,
}

impl Atom {
    fn new(set: Set, min: u32, max: Option<u32>) -> Self {
        let top = max.unwrap_or(min);
        let mut keep = [0; 4];
        let mut done = [0; 4];
        for k in 0..=top {
            keep[(k / 64) as usize] |= 1 << (k % 64);
            if k >= min {
                done[(k / 64) as usize] |= 1 << (k % 64);
            }
        }
        Self { set, keep, done, fold: max.is_none().then_some(min) }
    }
}

/// A pattern of the shape `^(class count)*$`.
#[derive(Clone, Debug)]
pub(super) struct Classes {
    atoms: Vec<Atom>,
    /// Every count below 64 (most patterns' `{1,64}`, `*`, `+`): counts fit one word.
    narrow: bool,
}

impl Classes {
    /// The pattern, when it has the shape; `None` sends it to regex-lite.
    pub(super) fn parse(source: &str) -> Option<Self> {
        // `\$` at the end would be a literal dollar: its `\` then ends the body, and is refused.
        let body = source.strip_prefix('^')?.strip_suffix('$')?;
        let mut chars = body.chars().peekable();
        let mut atoms = Vec::new();
        while let Some(c) = chars.next() {
            let set = match c {
                '[' => class(&mut chars)?,
                '.' => Set { negated: true, ..Set::single('\n') },
                '\\' => escape(chars.next()?)?,
                '(' | ')' | '|' | '^' | '$' | '*' | '+' | '?' | '{' | '}' | ']' => return None,
                c => Set::single(c),
            };
            let (min, max) = count(&mut chars)?;
            atoms.push(Atom::new(set, min, max));
            if atoms.len() > MAX_ATOMS {
                return None;
            }
        }
        let narrow = atoms.iter().all(|a| a.keep[1..].iter().all(|w| *w == 0) && a.fold.is_none_or(|min| min < 62));
        Some(Self { atoms, narrow })
    }

    /// Whether all of `value` matches.
    pub(super) fn is_match(&self, value: &str) -> bool {
        if self.narrow {
            self.run::<1>(value)
        } else {
            self.run::<4>(value)
        }
    }

    /// [`Classes::is_match`] with counts in `N` words.
    fn run<const N: usize>(&self, value: &str) -> bool {
        let atoms = &self.atoms;
        let mut counts = [[0u64; N]; MAX_ATOMS];
        let counts = &mut counts[..atoms.len()];
        if let Some(first) = counts.first_mut() {
            first[0] = 1;
        }
        let mut done = close(atoms, counts);
        for c in value.chars() {
            let mut alive = false;
            for (atom, set) in atoms.iter().zip(counts.iter_mut()) {
                if atom.set.contains(c) {
                    step(set, atom);
                    alive |= set.iter().any(|w| *w != 0);
                } else {
                    *set = [0; N];
                }
            }
            if !alive {
                return false;
            }
            done = close(atoms, counts);
        }
        done
    }
}

impl Set {
    fn single(c: char) -> Self {
        let mut set = Self::empty();
        set.add_range(c, c);
        set
    }
}

/// Starts each class whose predecessors can be complete (count 0), in order; whether the last
/// one can be (the whole value matches so far).
fn close<const N: usize>(atoms: &[Atom], counts: &mut [[u64; N]]) -> bool {
    let mut previous_done = false;
    for (i, atom) in atoms.iter().enumerate() {
        if i > 0 && previous_done {
            counts[i][0] |= 1;
        }
        previous_done = complete(&counts[i], atom);
    }
    // An empty pattern (`^$`) matches the empty value only.
    if atoms.is_empty() {
        return true;
    }
    previous_done
}

/// Whether some count of `set` is within the class's bounds.
fn complete<const N: usize>(set: &[u64; N], atom: &Atom) -> bool {
    set.iter().zip(&atom.done).any(|(s, d)| s & d != 0)
}

/// One more character of the class for every count; counts past the maximum end, and without
/// a maximum, counts past the minimum are all alike and kept as the minimum.
fn step<const N: usize>(set: &mut [u64; N], atom: &Atom) {
    let mut carry = 0;
    for word in set.iter_mut() {
        let next = *word >> 63;
        *word = (*word << 1) | carry;
        carry = next;
    }
    if let Some(min) = atom.fold {
        let past = min + 1;
        if set[(past / 64) as usize] & (1 << (past % 64)) != 0 {
            set[(min / 64) as usize] |= 1 << (min % 64);
        }
    }
    for (word, keep) in set.iter_mut().zip(&atom.keep) {
        *word &= keep;
    }
}

/// A count after an atom: none (exactly one), `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each
/// perhaps lazy (`?` after it), which does not change whether a value matches.
fn count(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<(u32, Option<u32>)> {
    let bounds = match chars.peek() {
        Some('*') => (0, None),
        Some('+') => (1, None),
        Some('?') => (0, Some(1)),
        Some('{') => {
            chars.next();
            let mut text = String::new();
            loop {
                match chars.next()? {
                    '}' => break,
                    c if c.is_ascii_digit() || c == ',' => text.push(c),
                    _ => return None,
                }
            }
            let bounds = match text.split_once(',') {
                None => {
                    let n = text.parse().ok()?;
                    (n, Some(n))
                }
                Some((lo, "")) => (lo.parse().ok()?, None),
                Some((lo, hi)) => (lo.parse().ok()?, Some(hi.parse().ok()?)),
            };
            // Without a maximum, the count past the minimum must fit too.
            if bounds.0 >= MAX_COUNT || bounds.1.is_some_and(|max| max > MAX_COUNT || max < bounds.0) {
                return None;
            }
            if chars.peek() == Some(&'?') {
                chars.next();
            }
            return Some(bounds);
        }
        _ => return Some((1, Some(1))),
    };
    chars.next();
    if chars.peek() == Some(&'?') {
        chars.next();
    }
    // `a**` and the like: left to regex-lite.
    if matches!(chars.peek(), Some('*' | '+' | '?' | '{')) {
        return None;
    }
    Some(bounds)
}

/// An escape outside a class: `\d`, `\w`, `\s`, their negations, or ASCII punctuation.
fn escape(c: char) -> Option<Set> {
    match c {
        'd' | 'w' | 's' => {
            let mut set = Set::empty();
            set.add_shorthand(c);
            Some(set)
        }
        'D' | 'W' | 'S' => {
            let mut set = Set::empty();
            set.add_shorthand(c.to_ascii_lowercase());
            set.negated = true;
            Some(set)
        }
        c if c.is_ascii_punctuation() => Some(Set::single(c)),
        _ => None,
    }
}

/// A bracketed class after its `[`: characters, ranges, `\d`/`\w`/`\s`, escaped punctuation
/// and `\uXXXX`, perhaps negated; nested classes and set operations are left to regex-lite.
fn class(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<Set> {
    let mut set = Set::empty();
    if chars.peek() == Some(&'^') {
        chars.next();
        set.negated = true;
    }
    let mut first = true;
    loop {
        let c = chars.next()?;
        let lo = match c {
            ']' if !first => return Some(set),
            '[' => return None,
            '&' | '-' | '~' if chars.peek() == Some(&c) => return None,
            '\\' => match chars.next()? {
                s @ ('d' | 'w' | 's') => {
                    set.add_shorthand(s);
                    // `[\w-x]` is an error in regex-lite; `[\w-]` a literal `-`.
                    if chars.peek() == Some(&'-') {
                        chars.next();
                        if chars.peek() != Some(&']') {
                            return None;
                        }
                        set.add_range('-', '-');
                    }
                    first = false;
                    continue;
                }
                'u' => unicode(chars)?,
                e if e.is_ascii_punctuation() => e,
                _ => return None,
            },
            c => c,
        };
        first = false;
        // A range `lo-hi`, unless the `-` is the class's last character.
        let mut ahead = chars.clone();
        if ahead.next() == Some('-') && ahead.peek().is_some_and(|&n| n != ']') {
            chars.next();
            let hi = match chars.next()? {
                '\\' => match chars.next()? {
                    'u' => unicode(chars)?,
                    e if e.is_ascii_punctuation() => e,
                    _ => return None,
                },
                '[' => return None,
                h => h,
            };
            if hi < lo {
                return None;
            }
            set.add_range(lo, hi);
        } else {
            set.add_range(lo, lo);
        }
    }
}

/// The character of `\uXXXX` (four hex digits) after its `u`.
fn unicode(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<char> {
    let mut code = 0;
    for _ in 0..4 {
        code = code * 16 + chars.next()?.to_digit(16)?;
    }
    char::from_u32(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The same answer as regex-lite; `pattern` must be of the shape and compile.
    fn agrees(pattern: &str, value: &str) {
        let classes = Classes::parse(pattern).unwrap_or_else(|| panic!("{pattern} is not of the shape"));
        let re = regex_lite::Regex::new(pattern).unwrap();
        assert_eq!(classes.is_match(value), re.is_match(value), "pattern {pattern:?}, value {value:?}");
    }

    #[test]
    fn the_shapes_of_spec_patterns() {
        for (pattern, fast) in [
            ("^[A-Za-z][A-Za-z0-9:_-]*$", true),
            (r"^[\u4e00-\u9fa5a-zA-Z0-9_-]{2,128}$", true),
            (r"^\d+$", true),
            ("^[a-z]{2,}$", true),
            (r"^[^\s]+$", true),
            (r"^.{1,64}$", true),
            ("^$", true),
            ("^(a|b)$", false),
            ("[a-z]+", false),
            ("^[a-z]{1,300}$", false),
            ("^[[:alpha:]]+$", false),
            ("^[a-z&&b]$", false),
            (r"^a\$", false),
            (r"^\bx$", false),
        ] {
            assert_eq!(Classes::parse(pattern).is_some(), fast, "{pattern}");
        }
        let p = Classes::parse("^[A-Za-z][A-Za-z0-9:_-]*$").unwrap();
        assert!(p.is_match("my-key_1:x") && !p.is_match("1abc") && !p.is_match("") && !p.is_match("ab c"));
        let han = Classes::parse(r"^[\u4e00-\u9fa5a-zA-Z0-9_-]{2,128}$").unwrap();
        assert!(han.is_match("中文-ok") && !han.is_match("x") && !han.is_match("ñandú") && !han.is_match(&"a".repeat(129)));
        assert!(han.is_match(&"a".repeat(128)));
    }

    #[test]
    fn counts_between_bounds_are_exact() {
        for pattern in ["^a{3}$", "^a{2,4}b?a{1,2}$", "^a*a{2}$", "^[ab]{0,3}b{2,}$", "^a{0,0}b$", "^x?y*z+$", r"^\w{1,255}\d$"] {
            for len in 0..12 {
                for value in ["a", "b", "ab", "x", "yz", "1"].map(|s| s.repeat(len)) {
                    agrees(pattern, &value);
                }
            }
        }
        // Counts across the 64-bit words of the wide matcher.
        for pattern in [
            "^a+b?$",
            "^a{2,}$",
            "^a{60,}b*$",
            "^a{62,66}b?$",
            "^a{63,}$",
            "^a{61,}b$",
            "^[ab]{64}a*$",
            "^a{1,200}b{0,70}$",
            "^a{0,63}b{64,65}$",
        ] {
            assert!(Classes::parse(pattern).is_some(), "{pattern}");
            for len in 0..140 {
                for value in ["a".repeat(len), format!("{}b", "a".repeat(len)), format!("{}{}", "a".repeat(len), "b".repeat(64))] {
                    agrees(pattern, &value);
                }
            }
        }
    }

    proptest! {
        #[test]
        fn agrees_with_regex_lite(
            atoms in proptest::collection::vec((
                prop_oneof![
                    Just("[a-c]"), Just("[^b]"), Just("a"), Just("."), Just(r"\d"), Just(r"\W"),
                    Just("[b-]"), Just(r"[\w.-]"), Just(r"[\u00e9x]"), Just(r"\."), Just(r"[\s]"),
                ],
                prop_oneof![Just(""), Just("*"), Just("+"), Just("?"), Just("{2}"), Just("{1,3}"), Just("{0,}"), Just("{2,}?")],
            ), 0..5),
            value in "[abc1.é \n_-]{0,10}",
        ) {
            let pattern = format!("^{}$", atoms.iter().map(|(a, q)| format!("{a}{q}")).collect::<String>());
            prop_assert!(Classes::parse(&pattern).is_some(), "{}", pattern);
            agrees(&pattern, &value);
        }
    }
}
