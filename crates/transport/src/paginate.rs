//! Pagination: a [`Stream`] of pages, or of resources, that follows `links.next` to the end.

use std::collections::HashSet;

use ascert_models::{Certificate, CertificatesResponse};
use futures::stream::{self, Stream, StreamExt as _, TryStreamExt as _};
use serde::de::DeserializeOwned;
use url::Url;

use crate::{Client, Error};

/// A list document that may continue on another page.
pub trait Paged: DeserializeOwned + Send + 'static {
    /// The resource the list holds.
    type Item: Send + 'static;

    /// The absolute URL of the next page, absent on the last.
    fn next_link(&self) -> Option<&str>;

    /// The page's resources, in order.
    fn into_items(self) -> Vec<Self::Item>;
}

impl Paged for CertificatesResponse {
    type Item = Certificate;

    fn next_link(&self) -> Option<&str> {
        self.links.next.as_deref()
    }

    fn into_items(self) -> Vec<Certificate> {
        self.data
    }
}

struct Cursor {
    client: Client,
    /// The next page to fetch, or why it must not be fetched (reported after the current page).
    next: Option<Result<Url, Error>>,
    seen: HashSet<String>,
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
        let cursor = Cursor {
            client: self.clone(),
            next: Some(Ok(first)),
            seen: HashSet::new(),
        };
        stream::try_unfold(cursor, |mut cursor| async move {
            let url = match cursor.next.take() {
                None => return Ok(None),
                Some(next) => next?,
            };
            if cursor.seen.len() >= cursor.client.max_pages() {
                return Err(Error::TooManyPages {
                    limit: cursor.client.max_pages(),
                });
            }
            cursor.seen.insert(url.as_str().to_owned());
            let page: P = cursor.client.get(url).await?;
            cursor.next = page.next_link().map(|link| {
                let next = cursor.client.check_link(link)?;
                if cursor.seen.contains(next.as_str()) {
                    return Err(Error::RepeatedLink {
                        link: link.to_owned(),
                    });
                }
                Ok(next)
            });
            Ok(Some((page, cursor)))
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
