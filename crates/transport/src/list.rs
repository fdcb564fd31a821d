//! [`ListRequest`]: the list of any resource as one page, a stream of pages or of resources, or
//! everything, with filters applied locally where App Store Connect cannot; and the request for one
//! resource ([`Client::get_resource`]). Both name no resource: a
//! [`Resource`](ascert_models::jsonapi::Resource) says where it lives and what it accepts.

use std::fmt;
use std::future::ready;
use std::sync::Arc;

use ascert_models::jsonapi::{Document, ListQuery, Page, Resource, ResourceQuery};
use futures::stream::{self, BoxStream, StreamExt as _, TryStreamExt as _};
use url::Url;

use crate::{Client, Error};

/// A test a resource must pass to be kept, applied on this side of the wire.
type Keep<R> = Arc<dyn Fn(&R) -> bool + Send + Sync>;

/// A filter applied locally when App Store Connect refuses its values on the first page.
struct Fallback<R> {
    /// The name of `filter[name]`.
    filter: String,
    keep: Keep<R>,
}

impl<R> Clone for Fallback<R> {
    fn clone(&self) -> Self {
        Self {
            filter: self.filter.clone(),
            keep: Arc::clone(&self.keep),
        }
    }
}

/// The list of `R` being set up; finish it with [`page`](Self::page), [`pages`](Self::pages),
/// [`stream`](Self::stream) or [`all`](Self::all). Made by [`Client::list`].
///
/// Every way through the list but [`page`](Self::page) follows `links.next` to the end, with the
/// checks of [`Client::pages`]; none stops at the first page by accident.
///
/// ```no_run
/// use ascert_models::Certificate;
/// use ascert_models::jsonapi::ListQuery;
/// # async fn example(client: ascert_transport::Client) -> Result<(), Box<dyn std::error::Error>> {
/// let query = ListQuery::<Certificate>::new().filter("certificateType", "DISTRIBUTION")?.limit(200)?;
/// let distribution = client
///     .list(query)
///     .filter_locally(|c: &Certificate| c.attributes.activated != Some(false))
///     .all()
///     .await?;
/// # Ok(()) }
/// ```
#[must_use]
pub struct ListRequest<R: Resource> {
    client: Client,
    query: ListQuery<R>,
    prefetch: bool,
    keep: Vec<Keep<R>>,
    fallbacks: Vec<Fallback<R>>,
}

impl<R: Resource> Clone for ListRequest<R> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            query: self.query.clone(),
            prefetch: self.prefetch,
            keep: self.keep.clone(),
            fallbacks: self.fallbacks.clone(),
        }
    }
}

impl<R: Resource> fmt::Debug for ListRequest<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListRequest")
            .field("resource", &R::TYPE)
            .field("query", &self.query.to_string())
            .field("prefetch", &self.prefetch)
            .field("local_filters", &self.keep.len())
            .field(
                "fallbacks",
                &self
                    .fallbacks
                    .iter()
                    .map(|f| f.filter.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Client {
    /// The list of `R` that `query` selects; then `.page()`, `.pages()`, `.stream()` or `.all()`.
    pub fn list<R: Resource>(&self, query: ListQuery<R>) -> ListRequest<R> {
        ListRequest {
            client: self.clone(),
            query,
            prefetch: false,
            keep: Vec::new(),
            fallbacks: Vec::new(),
        }
    }

    /// The URL of the resource `R` with this `id`, then the path segments of `suffix` (such as
    /// `["relationships", "passTypeId"]`) and `query` (none when empty); the id is escaped as one
    /// path segment.
    ///
    /// # Errors
    /// [`Error::InvalidPath`] when the base URL cannot take a path.
    pub fn resource_url<R: Resource>(&self, id: &str, suffix: &[&str], query: &str) -> Result<Url, Error> {
        let mut url = self.url(R::PATH)?;
        let base = self.base_url().to_string();
        url.path_segments_mut()
            .map_err(|()| Error::InvalidPath {
                path: format!("{}/{id}", R::PATH),
                base,
            })?
            .push(id)
            .extend(suffix);
        url.set_query((!query.is_empty()).then_some(query));
        Ok(url)
    }

    /// `GET` the resource `R` with this `id`, with the sparse fieldsets and includes of `query`:
    /// the whole document, `included` resources with it.
    ///
    /// # Errors
    /// Any [`Error`]; an unknown id is a 404 from App Store Connect.
    pub async fn get_resource<R: Resource>(
        &self,
        id: &str,
        query: &ResourceQuery<R>,
    ) -> Result<Document<R, R::Included>, Error> {
        let url = self.resource_url::<R>(id, &[], &query.to_query_string())?;
        self.get(url).await
    }

    /// Pages from `first` on, one page ahead of the reader or not.
    fn page_stream<R: Resource>(
        &self,
        first: Url,
        prefetch: bool,
    ) -> BoxStream<'static, Result<Page<R, R::Included>, Error>> {
        if prefetch {
            self.pages_ahead::<Page<R, R::Included>>(first).boxed()
        } else {
            self.pages::<Page<R, R::Included>>(first).boxed()
        }
    }
}

impl<R: Resource> ListRequest<R> {
    /// Whether [`pages`](Self::pages), [`stream`](Self::stream) and [`all`](Self::all) fetch one
    /// page ahead (default: no); see [`Client::pages_ahead`]. Needs a tokio runtime.
    pub fn prefetch(mut self, ahead: bool) -> Self {
        self.prefetch = ahead;
        self
    }

    /// Keeps only the resources for which `keep` is true, tested here as they arrive, for a
    /// condition App Store Connect has no filter for. Applies to [`stream`](Self::stream) and
    /// [`all`](Self::all); [`page`](Self::page) and [`pages`](Self::pages) hand out what Apple sent.
    pub fn filter_locally(mut self, keep: impl Fn(&R) -> bool + Send + Sync + 'static) -> Self {
        self.keep.push(Arc::new(keep));
        self
    }

    /// Falls back to filtering locally when App Store Connect refuses `filter[filter]`: if the first
    /// page is answered with 400 `PARAMETER_ERROR…` naming that parameter
    /// ([`Error::rejects_parameter`]) while the query sets it, the list is fetched again without it
    /// and only the resources for which `keep` is true are handed out. Apple has refused
    /// `filter[certificateType]=DEVELOPER_ID_APPLICATION_G2` so. Applies to
    /// [`stream`](Self::stream) and [`all`](Self::all).
    pub fn filter_locally_if_refused(
        mut self,
        filter: impl Into<String>,
        keep: impl Fn(&R) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.fallbacks.push(Fallback {
            filter: filter.into(),
            keep: Arc::new(keep),
        });
        self
    }

    /// The query the list starts with.
    pub fn query(&self) -> &ListQuery<R> {
        &self.query
    }

    /// The URL of the first page.
    ///
    /// # Errors
    /// [`Error::InvalidPath`] when it does not make a URL below the base URL.
    pub fn url(&self) -> Result<Url, Error> {
        list_url(&self.client, &self.query)
    }

    /// The first page only, exactly as App Store Connect sends it (with `included` and paging).
    /// Use [`stream`](Self::stream) or [`all`](Self::all) for the whole list.
    ///
    /// # Errors
    /// Any [`Error`].
    pub async fn page(self) -> Result<Page<R, R::Included>, Error> {
        let url = self.url()?;
        self.client.get(url).await
    }

    /// Every page, in order, to the end of the list; see [`Client::pages`]. The pages are as Apple
    /// sends them: the local filters do not apply.
    pub fn pages(self) -> BoxStream<'static, Result<Page<R, R::Included>, Error>> {
        match self.url() {
            Ok(url) => self.client.page_stream::<R>(url, self.prefetch),
            Err(err) => stream::once(ready(Err(err))).boxed(),
        }
    }

    /// Every resource of the list, page after page, to the end, that passes the local filters.
    /// The stream ends after its first error.
    pub fn stream(self) -> BoxStream<'static, Result<R, Error>> {
        let Self {
            client,
            query,
            prefetch,
            keep,
            fallbacks,
        } = self;
        stream::once(async move {
            let mut pages = client.page_stream::<R>(list_url(&client, &query)?, prefetch);
            let first = match pages.next().await {
                None => return Ok(stream::empty().boxed()),
                Some(Err(err)) => {
                    let refused = fallbacks.into_iter().find(|f| {
                        !query.filter_values(&f.filter).is_empty()
                            && err.rejects_parameter(&format!("filter[{}]", f.filter))
                    });
                    let Some(fallback) = refused else {
                        return Err(err);
                    };
                    tracing::debug!(
                        error = %err,
                        filter = %fallback.filter,
                        "App Store Connect refused the filter; filtering locally instead"
                    );
                    let url = list_url(&client, &query.without_filter(&fallback.filter))?;
                    let mut keep = keep;
                    keep.push(fallback.keep);
                    return Ok(items(client.page_stream::<R>(url, prefetch), keep));
                }
                Some(Ok(first)) => first,
            };
            Ok::<_, Error>(items(stream::once(ready(Ok(first))).chain(pages).boxed(), keep))
        })
        .try_flatten()
        .boxed()
    }

    /// Every resource of the list, collected; see [`stream`](Self::stream).
    ///
    /// # Errors
    /// The first [`Error`] met; nothing is returned then, so a partial list is never mistaken for a
    /// whole one.
    pub async fn all(self) -> Result<Vec<R>, Error> {
        self.stream().try_collect().await
    }
}

/// `R::PATH?query`, below the client's base URL.
fn list_url<R: Resource>(client: &Client, query: &ListQuery<R>) -> Result<Url, Error> {
    let query = query.to_query_string();
    if query.is_empty() {
        client.url(R::PATH)
    } else {
        client.url(&format!("{}?{query}", R::PATH))
    }
}

/// The resources of `pages`, in order, that every test of `keep` keeps.
fn items<R: Resource>(
    pages: BoxStream<'static, Result<Page<R, R::Included>, Error>>,
    keep: Vec<Keep<R>>,
) -> BoxStream<'static, Result<R, Error>> {
    let items = pages
        .map_ok(|page| stream::iter(page.data.into_iter().map(Ok::<_, Error>)))
        .try_flatten();
    if keep.is_empty() {
        items.boxed()
    } else {
        items
            .try_filter(move |item| ready(keep.iter().all(|keep| keep(item))))
            .boxed()
    }
}
