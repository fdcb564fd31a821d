//! [`Paged`]: a list document that may continue on another page, and its next-page link.

use serde::de::DeserializeOwned;

/// A list document that may continue on another page: what a paginating client needs to know of
/// a page, whatever resource it lists. Every [`Page`](crate::jsonapi::Page) is one.
///
/// ```
/// use ascert_models::{CertificatesResponse, Paged as _};
///
/// let page: CertificatesResponse = serde_json::from_str(r#"{"data": [],
///   "links": {"self": "https://api.appstoreconnect.apple.com/v1/certificates",
///             "next": "https://api.appstoreconnect.apple.com/v1/certificates?cursor=Mg"}}"#)?;
/// assert_eq!(page.next_link(), Some("https://api.appstoreconnect.apple.com/v1/certificates?cursor=Mg"));
/// assert!(page.into_items().is_empty());
/// # Ok::<(), serde_json::Error>(())
/// ```
pub trait Paged: DeserializeOwned + Send + 'static {
    /// The resource the list holds.
    type Item: Send + 'static;

    /// The absolute URL of the next page (`links.next`), absent on the last page.
    fn next_link(&self) -> Option<&str>;

    /// The page's resources, in order.
    fn into_items(self) -> Vec<Self::Item>;
}
