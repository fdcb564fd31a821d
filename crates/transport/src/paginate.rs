//! Pagination: a [`Stream`] of pages, or of resources, that follows `links.next` to the end, either
//! page by page or one page ahead of its reader.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use ascert_models::Paged;
use futures::stream::{self, Stream, StreamExt as _, TryStreamExt as _};
use url::Url;

use crate::{Client, Error};

struct Cursor {
    client: Client,
    /// The next page to fetch, or why it must not be fetched (reported after the current page).
    next: Option<Result<Url, Error>>,
    seen: HashSet<String>,
}

impl Cursor {
    fn new(client: &Client, first: Url) -> Self {
        Self {
            client: client.clone(),
            next: Some(Ok(first)),
            seen: HashSet::new(),
        }
    }

    /// The URL of the next page to fetch, counted as fetched; `None` at the end of the list.
    fn take(&mut self) -> Option<Result<Url, Error>> {
        let url = match self.next.take()? {
            Ok(url) => url,
            Err(err) => return Some(Err(err)),
        };
        if self.seen.len() >= self.client.max_pages() {
            return Some(Err(Error::TooManyPages {
                limit: self.client.max_pages(),
            }));
        }
        self.seen.insert(url.as_str().to_owned());
        Some(Ok(url))
    }

    /// Reads the next link of `page`, refusing one to another host or to a page already fetched.
    fn follow(&mut self, link: Option<&str>) {
        self.next = link.map(|link| {
            let next = self.client.check_link(link)?;
            if self.seen.contains(next.as_str()) {
                return Err(Error::RepeatedLink {
                    link: link.to_owned(),
                });
            }
            Ok(next)
        });
    }
}

/// A page being fetched by a task of its own; dropping it stops the fetch.
struct Fetch<P>(tokio::task::JoinHandle<Result<P, Error>>);

impl<P> Future for Fetch<P> {
    type Output = Result<P, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx).map(|joined| match joined {
            Ok(page) => page,
            Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
            Err(_) => Err(Error::Cancelled),
        })
    }
}

impl<P> Drop for Fetch<P> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What a listing that reads ahead does next: fetch the URL, wait for the page already being
/// fetched, or report why the next page cannot be fetched.
enum Ahead<P> {
    Fetching(Fetch<P>),
    Failed(Error),
    Done,
}

impl<P: Paged> Ahead<P> {
    /// Starts fetching the cursor's next page, if there is one.
    fn start(cursor: &mut Cursor) -> Option<Self> {
        Some(match cursor.take()? {
            Ok(url) => {
                let client = cursor.client.clone();
                Self::Fetching(Fetch(tokio::spawn(async move { client.get::<P>(url).await })))
            }
            Err(err) => Self::Failed(err),
        })
    }
}

impl Client {
    /// Every page of the list at `first`, in order, following `links.next` to the end.
    ///
    /// Each next link is checked before it is followed: one to another scheme, host or port is
    /// refused ([`Error::ForeignLink`]) so the token never leaves for another host, and one that
    /// repeats a page already fetched is an error ([`Error::RepeatedLink`]) rather than a loop, and
    /// so is a listing longer than [`ClientBuilder::max_pages`](crate::ClientBuilder::max_pages)
    /// pages ([`Error::TooManyPages`]).
    /// The stream ends after its first error.
    pub fn pages<P: Paged>(&self, first: Url) -> impl Stream<Item = Result<P, Error>> + Send + 'static {
        stream::try_unfold(Cursor::new(self, first), |mut cursor| async move {
            let url = match cursor.take() {
                None => return Ok(None),
                Some(next) => next?,
            };
            let page: P = cursor.client.get(url).await?;
            cursor.follow(page.next_link());
            Ok(Some((page, cursor)))
        })
    }

    /// Like [`Client::pages`], one page ahead of the reader: as soon as a page arrives, the next one
    /// is requested (on a task of its own), so it comes over the network while the caller handles
    /// the page just handed out. Never more than one page is fetched ahead, and dropping the stream
    /// stops that fetch. The checks, the order and the errors are those of [`Client::pages`].
    ///
    /// Must be polled inside a tokio runtime. A fetch that the runtime cancels (it is shutting
    /// down) ends the stream with [`Error::Cancelled`].
    pub fn pages_ahead<P: Paged>(&self, first: Url) -> impl Stream<Item = Result<P, Error>> + Send + 'static {
        let state: (Cursor, Option<Ahead<P>>) = (Cursor::new(self, first), None);
        stream::try_unfold(state, |(mut cursor, ahead)| async move {
            let ahead = match ahead {
                Some(ahead) => ahead,
                None => match Ahead::<P>::start(&mut cursor) {
                    Some(ahead) => ahead,
                    None => return Ok(None),
                },
            };
            let page = match ahead {
                Ahead::Fetching(fetch) => fetch.await?,
                Ahead::Failed(err) => return Err(err),
                Ahead::Done => return Ok(None),
            };
            cursor.follow(page.next_link());
            // The next page is on its way before this one is handed out.
            let next = Ahead::<P>::start(&mut cursor).unwrap_or(Ahead::Done);
            Ok(Some((page, (cursor, Some(next)))))
        })
    }

    /// Every resource of the list at `first`, page after page; see [`Client::pages`].
    pub fn paginate<P: Paged>(
        &self,
        first: Url,
    ) -> impl Stream<Item = Result<P::Item, Error>> + Send + 'static {
        self.pages::<P>(first)
            .map_ok(|page| stream::iter(page.into_items().into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }
}
