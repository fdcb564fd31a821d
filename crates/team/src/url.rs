//! [`StoreUrl`]: where a team store lives (`s3://`, `gs://`, `az://`, `file://`, `memory://`), parsed
//! once, shown without credentials everywhere.

use std::fmt;
use std::str::FromStr;

use crate::error::{Result, TeamError};

/// The kind of storage behind a [`StoreUrl`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// Amazon S3 or an S3-compatible service (`AWS_ENDPOINT_URL`): `s3://bucket/prefix`.
    S3,
    /// Google Cloud Storage: `gs://bucket/prefix` (crate feature `gcp`).
    Gcs,
    /// Azure Blob Storage: `az://container/prefix` (crate feature `azure`).
    Azure,
    /// A folder, possibly shared over the network: `file:///path`.
    Local,
    /// Memory of this process, for tests: `memory://name`.
    Memory,
}

impl Backend {
    /// A short name for messages: "S3", "Google Cloud Storage", …
    pub fn name(self) -> &'static str {
        match self {
            Backend::S3 => "S3",
            Backend::Gcs => "Google Cloud Storage",
            Backend::Azure => "Azure Blob Storage",
            Backend::Local => "a local folder",
            Backend::Memory => "memory",
        }
    }
}

/// The location of a team store.
///
/// Credentials never appear in it: a URL with a user name, password, query or fragment is refused
/// (credentials come from the provider's environment and files), so its [`Display`](fmt::Display)
/// form is safe to print.
///
/// ```
/// use ascert_team::{Backend, StoreUrl};
/// let url: StoreUrl = "s3://signing/team-a".parse()?;
/// assert_eq!(url.backend(), Backend::S3);
/// assert_eq!(url.bucket(), Some("signing"));
/// assert_eq!(url.prefix(), "team-a");
/// assert_eq!(url.to_string(), "s3://signing/team-a");
/// # Ok::<(), ascert_team::TeamError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoreUrl {
    backend: Backend,
    /// Bucket, container or memory name; `None` for `file://`.
    bucket: Option<String>,
    /// Path segments below the bucket (object prefix) or, for `file://`, the absolute folder.
    path: String,
}

impl StoreUrl {
    /// The kind of storage.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The bucket (S3, GCS), container (Azure) or memory store name; `None` for a folder.
    pub fn bucket(&self) -> Option<&str> {
        self.bucket.as_deref()
    }

    /// The object prefix inside the bucket, without leading or trailing `/` (may be empty); for
    /// `file://`, the absolute folder path.
    pub fn prefix(&self) -> &str {
        &self.path
    }

    /// The URL `object_store`'s builders take: scheme and bucket only (the prefix is applied by the store).
    pub(crate) fn bucket_url(&self) -> String {
        let scheme = match self.backend {
            Backend::S3 => "s3",
            Backend::Gcs => "gs",
            Backend::Azure => "az",
            Backend::Local => "file",
            Backend::Memory => "memory",
        };
        format!("{scheme}://{}", self.bucket.as_deref().unwrap_or_default())
    }
}

impl FromStr for StoreUrl {
    type Err = TeamError;

    fn from_str(text: &str) -> Result<Self> {
        let shown = redact(text);
        let invalid = |reason: &str| TeamError::InvalidUrl {
            url: shown.clone(),
            reason: reason.to_owned(),
        };
        let url = url::Url::parse(text.trim())
            .map_err(|e| invalid(&format!("{e}; expected a URL such as s3://bucket/prefix")))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                "credentials in the URL are not accepted; they come from the provider's environment \
                 (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, GOOGLE_APPLICATION_CREDENTIALS, AZURE_STORAGE_…)",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid(
                "a query or fragment is not accepted (it could carry a token); settings come from the environment",
            ));
        }
        let backend = match url.scheme() {
            "s3" => Backend::S3,
            "gs" => Backend::Gcs,
            "az" => Backend::Azure,
            "file" => Backend::Local,
            "memory" => Backend::Memory,
            other => {
                return Err(invalid(&format!(
                    "unknown scheme {other:?}; use s3://bucket/prefix, gs://bucket/prefix, az://container/prefix, \
                     file:///folder or memory://name"
                )));
            }
        };
        let segments: Vec<String> = url
            .path_segments()
            .map(|s| {
                s.filter(|s| !s.is_empty())
                    .map(percent_decode)
                    .collect::<Result<_, _>>()
            })
            .transpose()
            .map_err(|()| invalid("the path is not valid UTF-8 after percent-decoding"))?
            .unwrap_or_default();
        if segments
            .iter()
            .any(|s| s == "." || s == ".." || s.contains('/') || s.contains('\\'))
        {
            return Err(invalid("the path may not contain `.`, `..` or encoded slashes"));
        }
        let host = url.host_str().unwrap_or_default().to_owned();
        match backend {
            Backend::Local => {
                if !host.is_empty() && host != "localhost" {
                    return Err(invalid(
                        "a file URL needs an absolute path with three slashes, such as file:///srv/signing",
                    ));
                }
                if segments.is_empty() {
                    return Err(invalid("the folder may not be the file system root"));
                }
                Ok(Self {
                    backend,
                    bucket: None,
                    path: format!("/{}", segments.join("/")),
                })
            }
            Backend::Memory => Ok(Self {
                backend,
                bucket: Some(if host.is_empty() {
                    "default".to_owned()
                } else {
                    host
                }),
                path: segments.join("/"),
            }),
            Backend::S3 | Backend::Gcs | Backend::Azure => {
                if host.is_empty() {
                    return Err(invalid(
                        "the bucket (or container) name is missing, as in s3://bucket/prefix",
                    ));
                }
                if url.port().is_some() {
                    return Err(invalid(
                        "a port belongs in the endpoint (AWS_ENDPOINT_URL), not in the bucket name",
                    ));
                }
                Ok(Self {
                    backend,
                    bucket: Some(host),
                    path: segments.join("/"),
                })
            }
        }
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.bucket.is_none() {
            return write!(f, "file://{}", self.path);
        }
        f.write_str(&self.bucket_url())?;
        if !self.path.is_empty() {
            write!(f, "/{}", self.path)?;
        }
        Ok(())
    }
}

/// A URL as given, with any user name, password, query and fragment removed, for error messages.
fn redact(text: &str) -> String {
    let text = text.trim();
    let text = text.split(['?', '#']).next().unwrap_or_default();
    match text.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
            let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
            if path.is_empty() && !rest.contains('/') {
                format!("{scheme}://{host}")
            } else {
                format!("{scheme}://{host}/{path}")
            }
        }
        None => crate::text::shorten(text),
    }
}

/// Decodes `%XX` escapes of one path segment.
fn percent_decode(segment: &str) -> Result<String, ()> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).map_err(|_| ())?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| ())?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> StoreUrl {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn refused(text: &str) -> String {
        let error = text.parse::<StoreUrl>().unwrap_err();
        assert!(matches!(error, TeamError::InvalidUrl { .. }), "{error:?}");
        error.to_string()
    }

    #[test]
    fn every_scheme_parses_and_prints_back() {
        for (text, backend, bucket, prefix) in [
            ("s3://signing/team/ios", Backend::S3, Some("signing"), "team/ios"),
            ("s3://signing", Backend::S3, Some("signing"), ""),
            ("s3://signing/", Backend::S3, Some("signing"), ""),
            ("gs://bucket/p", Backend::Gcs, Some("bucket"), "p"),
            ("az://container/p/q", Backend::Azure, Some("container"), "p/q"),
            ("file:///srv/signing", Backend::Local, None, "/srv/signing"),
            ("memory://unit", Backend::Memory, Some("unit"), ""),
            ("memory://", Backend::Memory, Some("default"), ""),
        ] {
            let url = parse(text);
            assert_eq!(
                (url.backend(), url.bucket(), url.prefix()),
                (backend, bucket, prefix),
                "{text}"
            );
            assert_eq!(parse(&url.to_string()), url, "{text} prints as {url}");
        }
        assert_eq!(parse("s3://signing/").to_string(), "s3://signing");
        assert_eq!(parse("file:///srv/signing/").to_string(), "file:///srv/signing");
        assert_eq!(parse("s3://b/with%20space").prefix(), "with space");
    }

    #[test]
    fn credentials_queries_and_bad_paths_are_refused_and_never_shown() {
        let text = refused("s3://AKIAEXAMPLE:s3cr3t@bucket/prefix");
        assert!(text.contains("credentials in the URL are not accepted"), "{text}");
        assert!(
            !text.contains("s3cr3t") && !text.contains("AKIAEXAMPLE"),
            "{text}"
        );
        assert!(text.contains("s3://bucket/prefix"), "{text}");
        let text = refused("az://container/p?sig=SECRETSAS");
        assert!(!text.contains("SECRETSAS"), "{text}");
        assert!(refused("ftp://host/x").contains("unknown scheme \"ftp\""));
        assert!(refused("s3:///prefix").contains("bucket (or container) name is missing"));
        assert!(refused("file://relative/path").contains("three slashes"));
        assert!(refused("file:///").contains("root"));
        // Dot segments are resolved as in any URL, so they never reach an object name.
        assert_eq!(parse("s3://b/a/%2e%2e/c").prefix(), "c");
        assert!(refused("s3://b/a%2Fb").contains("encoded slashes"));
        assert!(refused("s3://bucket:9000/p").contains("AWS_ENDPOINT_URL"));
        assert!(refused("not a url").contains("expected a URL"));
    }
}
