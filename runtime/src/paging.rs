//! Paginators: every page of a list operation, or every item, as a stream.
//!
//! A generated list request implements [`Paginated`] (a handful of accessors); the logic of
//! when to stop lives here once. Page-number paging (`PageNumber`/`PageSize`, a total count)
//! stops at an empty or short page or when the total is reached; token paging
//! (`NextToken`/`MaxResults`) stops when no token comes back, and refuses a token it has seen
//! before instead of looping forever. The caller's page size is kept on every page.

use std::collections::HashSet;
use std::pin::Pin;

pub use futures_core::Stream;
use futures_util::{stream, StreamExt, TryStreamExt};

use crate::client::any::{AnyRequest, BoxedRequest};
use crate::client::{CallOptions, Client};
use crate::error::Error;
use crate::service::Operation;

pub use crate::service::Cursor;

/// What a response says about paging.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PageInfo {
    /// Items on this page.
    pub items: usize,
    /// The total count, where the response has one.
    pub total: Option<i64>,
    /// The token of the next page, where the response has one.
    pub next_token: Option<String>,
    /// The page size the response states, where it does.
    pub page_size: Option<i64>,
}

impl PageInfo {
    /// The paging facts of one response.
    pub fn new(items: usize, total: Option<i64>, next_token: Option<String>) -> Self {
        Self { items, total, next_token, page_size: None }
    }

    /// With the page size the response states.
    pub fn page_size(mut self, page_size: Option<i64>) -> Self {
        self.page_size = page_size;
        self
    }
}

/// Where a list operation's paging facts are in its response body, each a path of wire names
/// (`&["Instances", "Instance"]`), empty where the response has no such fact: what code that
/// reads the body itself (the CLI's `--pager`) follows, to the same facts as
/// [`Paginated::page_info`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageWire {
    /// The item list.
    pub items: &'static [&'static str],
    /// The total count.
    pub total: &'static [&'static str],
    /// The page size the response states.
    pub page_size: &'static [&'static str],
    /// The next page's token.
    pub next_token: &'static [&'static str],
}

impl PageWire {
    /// No fact known.
    pub const NONE: Self = Self { items: &[], total: &[], page_size: &[], next_token: &[] };

    /// The paging facts of a response body, read as the typed decoder reads them: a count from
    /// its number or its decimal text, a token from a string, items from an array (anything
    /// else, or nothing, counts as none).
    pub fn page_info(&self, body: &serde_json::Value) -> PageInfo {
        fn at<'v>(body: &'v serde_json::Value, path: &[&str]) -> Option<&'v serde_json::Value> {
            if path.is_empty() {
                return None;
            }
            path.iter().try_fold(body, |value, key| value.get(key))
        }
        let count = |path: &[&str]| match at(body, path)? {
            serde_json::Value::Number(n) => {
                n.as_i64().or_else(|| n.as_f64().filter(|x| x.fract() == 0.0 && x.abs() < 9.2e18).map(|x| x as i64))
            }
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        let items = at(body, self.items).and_then(serde_json::Value::as_array).map_or(0, Vec::len);
        let next = match at(body, self.next_token) {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        PageInfo::new(items, count(self.total), next).page_size(count(self.page_size))
    }
}

/// A list operation's request, read through [`AnyRequest`] with its cursor.
struct Paged<O>(O);

impl<O: Paginated> AnyRequest for Paged<O>
where
    O::Response: Send,
{
    crate::client::any::forward_operation!();
    fn cursor(&self) -> Option<Cursor> {
        Some(self.0.cursor())
    }
    fn page_size(&self) -> Option<i64> {
        self.0.page_size()
    }
    fn set_cursor(&mut self, cursor: &Cursor) {
        self.0.set_cursor(cursor)
    }
}

/// A list operation's `request`, its type erased, its cursor kept.
pub fn erase_paged<O: Paginated + Sync>(request: O) -> BoxedRequest
where
    O::Response: Send,
{
    Box::new(Paged(request))
}

/// A request of a list operation.
pub trait Paginated: Operation + Clone + Send + 'static
where
    Self::Response: Send,
{
    /// One item of a page.
    type Item: Send + 'static;
    /// This request's position.
    fn cursor(&self) -> Cursor;
    /// The page size the caller asked for, if any.
    fn page_size(&self) -> Option<i64>;
    /// Moves this request to `cursor`.
    fn set_cursor(&mut self, cursor: &Cursor);
    /// The paging facts of a response.
    fn page_info(response: &Self::Response) -> PageInfo;
    /// A page's items.
    fn into_items(response: Self::Response) -> Vec<Self::Item>;
    /// Where the paging facts are in the response body, as wire names: what code that reads
    /// the body itself follows (the CLI's `--pager`, which merges the items there). Empty paths
    /// when unknown; the CLI then lists the pages.
    const WIRE: PageWire = PageWire::NONE;
}

pub use crate::error::PagingError;

/// Where the page after `response` starts, or `None` at the end. `seen` counts the items of
/// every page so far, this one included; `tokens` the tokens already followed.
pub fn next_cursor(
    current: &Cursor,
    page_size: Option<i64>,
    info: &PageInfo,
    seen: u64,
    tokens: &mut HashSet<String>,
) -> Result<Option<Cursor>, PagingError> {
    match current {
        Cursor::Token(_) => match info.next_token.as_deref().filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(token) if !tokens.insert(token.to_owned()) => Err(PagingError::RepeatedToken(token.to_owned())),
            Some(token) => Ok(Some(Cursor::Token(Some(token.to_owned())))),
        },
        Cursor::Page(number) => {
            let short = page_size.or(info.page_size).is_some_and(|size| (info.items as i64) < size);
            let complete = info.total.is_some_and(|total| seen >= u64::try_from(total).unwrap_or(0));
            // The last page an `int32` page number can name: the stream ends there instead of
            // wrapping back to page 1 (an unset page number) and looping.
            let last = *number >= i64::from(i32::MAX);
            if info.items == 0 || short || complete || last {
                Ok(None)
            } else {
                Ok(Some(Cursor::Page(number + 1)))
            }
        }
    }
}

/// A stream of pages or items.
pub type PageStream<'a, T, E> = Pin<Box<dyn Stream<Item = Result<T, E>> + Send + 'a>>;

impl Client {
    /// Every page of a list operation, from `request`'s position on, each call made with
    /// `options`. An error ends the stream after it is yielded.
    pub fn pages<'a, O, E>(&'a self, request: O, options: CallOptions) -> PageStream<'a, O::Response, E>
    where
        O: Paginated,
        O::Response: Send,
        E: From<Error> + Send + 'a,
    {
        Box::pin(self.pages_with_body::<O, E>(request, options).map_ok(|(page, _)| page))
    }

    /// [`Client::pages`], each page with its body as received (what the CLI's `--pager` merges).
    pub fn pages_with_body<'a, O, E>(&'a self, request: O, options: CallOptions) -> PageStream<'a, (O::Response, Vec<u8>), E>
    where
        O: Paginated,
        O::Response: Send,
        E: From<Error> + Send + 'a,
    {
        struct State<O> {
            request: Option<O>,
            seen: u64,
            tokens: HashSet<String>,
            stopped: Option<PagingError>,
        }
        let start = State { request: Some(request), seen: 0, tokens: HashSet::new(), stopped: None };
        let pages = stream::unfold(start, move |mut state| {
            let options = options.clone();
            async move {
                if let Some(e) = state.stopped.take() {
                    return Some((Err(E::from(Error::Paging { operation: O::ACTION, error: e })), state));
                }
                let request = state.request.take()?;
                let (response, body) = match self.call_with_body(request.clone(), &options).await {
                    Ok(answer) => answer,
                    Err(e) => return Some((Err(E::from(e)), state)),
                };
                let info = O::page_info(&response);
                state.seen += info.items as u64;
                match next_cursor(&request.cursor(), request.page_size(), &info, state.seen, &mut state.tokens) {
                    Ok(Some(cursor)) => {
                        let mut next = request;
                        next.set_cursor(&cursor);
                        state.request = Some(next);
                    }
                    Ok(None) => {}
                    // The page came; the error follows it, and ends the stream.
                    Err(e) => state.stopped = Some(e),
                }
                Some((Ok((response, body)), state))
            }
        });
        Box::pin(pages)
    }

    /// Every item of every page of a list operation.
    pub fn items<'a, O, E>(&'a self, request: O, options: CallOptions) -> PageStream<'a, O::Item, E>
    where
        O: Paginated,
        O::Response: Send,
        E: From<Error> + Send + 'a,
    {
        Box::pin(
            self.pages::<O, E>(request, options).map_ok(|page| stream::iter(O::into_items(page).into_iter().map(Ok))).try_flatten().boxed(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(items: usize, total: Option<i64>, next: Option<&str>) -> PageInfo {
        PageInfo::new(items, total, next.map(str::to_owned))
    }

    #[test]
    fn page_numbers_stop_at_the_total_a_short_page_or_an_empty_one() {
        let mut tokens = HashSet::new();
        let mut next = |n, size, i: PageInfo, seen| next_cursor(&Cursor::Page(n), size, &i, seen, &mut tokens).unwrap();
        assert_eq!(next(1, Some(5), info(5, Some(23), None), 5), Some(Cursor::Page(2)));
        assert_eq!(next(5, Some(5), info(3, Some(23), None), 23), None, "short last page");
        assert_eq!(next(2, None, info(10, Some(20), None), 20), None, "total reached with the server's own page size");
        assert_eq!(next(3, None, info(10, None, None), 30), Some(Cursor::Page(4)), "no total: go on while pages are full");
        assert_eq!(next(4, None, info(0, None, None), 30), None, "an empty page ends it");
        assert_eq!(next(3, None, info(3, Some(23), None).page_size(Some(10)), 3), None, "short by the size the response states");
        // Full pages for ever: the stream ends at the last page an int32 can name, never wraps.
        let last = i64::from(i32::MAX);
        assert_eq!(next(last - 1, None, info(10, None, None), 10), Some(Cursor::Page(last)));
        assert_eq!(next(last, None, info(10, None, None), 10), None, "no page after 2147483647");
    }

    #[test]
    fn a_body_gives_the_facts_the_typed_decoder_reads() {
        let numbers = PageWire { items: &["Instances", "Instance"], total: &["TotalCount"], page_size: &["Page", "Size"], next_token: &[] };
        let body = serde_json::json!({"Instances": {"Instance": [{}, {}, {}]}, "TotalCount": "23", "Page": {"Size": 10.0}});
        assert_eq!(numbers.page_info(&body), info(3, Some(23), None).page_size(Some(10)), "counts from their text or an integral float");
        let odd = serde_json::json!({"Instances": {"Instance": {"Id": 1}}, "TotalCount": 2.5, "Page": []});
        assert_eq!(numbers.page_info(&odd), info(0, None, None), "what does not fit counts as nothing");
        let tokens = PageWire { items: &["Items"], total: &[], page_size: &[], next_token: &["NextToken"] };
        assert_eq!(tokens.page_info(&serde_json::json!({"Items": [1], "NextToken": "t"})), info(1, None, Some("t")));
        assert_eq!(tokens.page_info(&serde_json::json!({"Items": [1], "NextToken": 7})), info(1, None, Some("7")));
        assert_eq!(tokens.page_info(&serde_json::json!("text")), info(0, None, None));
    }

    #[test]
    fn tokens_end_when_absent_and_never_loop() {
        let mut tokens = HashSet::new();
        let first = Cursor::Token(None);
        assert_eq!(next_cursor(&first, None, &info(2, None, Some("a")), 2, &mut tokens), Ok(Some(Cursor::Token(Some("a".into())))));
        assert_eq!(next_cursor(&first, None, &info(2, None, Some("b")), 4, &mut tokens), Ok(Some(Cursor::Token(Some("b".into())))));
        assert_eq!(next_cursor(&first, None, &info(2, None, Some("a")), 6, &mut tokens), Err(PagingError::RepeatedToken("a".into())));
        assert_eq!(next_cursor(&first, None, &info(1, None, Some("")), 7, &mut tokens), Ok(None));
        assert_eq!(next_cursor(&first, None, &info(1, None, None), 7, &mut tokens), Ok(None));
    }
}
