//! [`TokenProvider`]: signs ES256 JWTs with an [`ApiKey`], caches them and renews them before expiry.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};

use super::Token;
use super::claims::{AUDIENCE, Claims, ENTERPRISE_AUDIENCE};
use super::clock::{Clock, SystemClock};
use crate::ApiKey;
use crate::error::AuthError;
use crate::lifetime::{CLOCK_SKEW, MAX_LIFETIME, RENEW_BEFORE, check_lifetime};

/// What the HTTP layer needs: a cached bearer token, and a way to force a new one after a 401.
pub trait TokenSource: Send + Sync + fmt::Debug + 'static {
    /// A valid token: the cached one, or a new one when none is cached or it is within
    /// [`RENEW_BEFORE`] of expiry.
    ///
    /// # Errors
    /// [`AuthError::Signing`] when a new token cannot be signed.
    fn token(&self) -> Result<Token, AuthError>;

    /// Signs a new token whatever the cache holds, and caches it; for use after Apple answered 401.
    ///
    /// # Errors
    /// [`AuthError::Signing`] when the token cannot be signed.
    fn renew(&self) -> Result<Token, AuthError>;
}

/// Signs App Store Connect tokens and caches them: cheap to clone (an [`Arc`] inside), safe to share
/// across threads and tasks, and it signs only when no cached token has more than [`RENEW_BEFORE`]
/// left. [`TokenProvider::signatures`] counts the signatures made.
///
/// Header: `alg ES256`, `kid`, `typ JWT`. Claims: `iss` (team key) or `sub: "user"` (individual key),
/// `iat` set back by [`CLOCK_SKEW`], `exp = iat + lifetime` (at most 20 minutes), `aud`
/// (`appstoreconnect-v1`, or `apple-developer-enterprise-v1` for enterprise keys) and `scope` when set.
///
/// ```no_run
/// use ascert_auth::{ApiKey, TokenProvider, TokenSource};
///
/// let key = ApiKey::from_env()?.expect("set ASC_KEY_ID, ASC_ISSUER_ID and ASC_PRIVATE_KEY_PATH");
/// let tokens = TokenProvider::new(key);
/// let header = format!("Bearer {}", tokens.token()?.expose());
/// # let _ = header;
/// # Ok::<(), ascert_auth::AuthError>(())
/// ```
#[derive(Clone)]
pub struct TokenProvider {
    inner: Arc<Inner>,
}

struct Inner {
    key_id: String,
    issuer_id: Option<String>,
    encoding_key: EncodingKey,
    header: Header,
    audience: &'static str,
    scope: Vec<String>,
    lifetime: Duration,
    clock: Arc<dyn Clock>,
    cache: Mutex<Option<Token>>,
    signatures: AtomicU64,
}

/// Settings for a [`TokenProvider`]; start with [`TokenProvider::builder`].
pub struct TokenProviderBuilder {
    key: ApiKey,
    lifetime: Duration,
    scope: Vec<String>,
    enterprise: bool,
    clock: Arc<dyn Clock>,
}

impl TokenProvider {
    /// A provider with the defaults: 20-minute tokens (or the key's own [`ApiKey::token_lifetime`]),
    /// the `appstoreconnect-v1` audience (the enterprise one if the key [`ApiKey::is_enterprise`]),
    /// no scope, the system clock.
    pub fn new(key: ApiKey) -> TokenProvider {
        TokenProvider::builder(key).build()
    }

    /// A builder starting from the defaults of [`TokenProvider::new`].
    pub fn builder(key: ApiKey) -> TokenProviderBuilder {
        TokenProviderBuilder {
            lifetime: key.token_lifetime().unwrap_or(MAX_LIFETIME),
            enterprise: key.is_enterprise(),
            key,
            scope: Vec::new(),
            clock: Arc::new(SystemClock),
        }
    }

    /// How many tokens this provider (and its clones) signed so far.
    pub fn signatures(&self) -> u64 {
        self.inner.signatures.load(Ordering::Relaxed)
    }

    /// The key id tokens are signed with.
    pub fn key_id(&self) -> &str {
        &self.inner.key_id
    }

    /// The audience tokens are signed for.
    pub fn audience(&self) -> &'static str {
        self.inner.audience
    }

    /// Signs a token for now. Called with the cache lock held, so concurrent callers wait for this
    /// signature instead of making their own.
    fn sign(&self) -> Result<Token, AuthError> {
        let inner = &self.inner;
        let now = inner
            .clock
            .now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let iat = now.saturating_sub(CLOCK_SKEW.as_secs());
        let exp = iat + inner.lifetime.as_secs();
        let claims = Claims {
            iss: inner.issuer_id.as_deref(),
            sub: inner.issuer_id.is_none().then_some("user"),
            iat,
            exp,
            aud: inner.audience,
            scope: (!inner.scope.is_empty()).then_some(inner.scope.as_slice()),
        };
        let jwt = jsonwebtoken::encode(&inner.header, &claims, &inner.encoding_key).map_err(|source| {
            AuthError::Signing {
                source: Box::new(source),
            }
        })?;
        inner.signatures.fetch_add(1, Ordering::Relaxed);
        Ok(Token::new(
            jwt,
            UNIX_EPOCH + Duration::from_secs(iat),
            UNIX_EPOCH + Duration::from_secs(exp),
        ))
    }
}

impl TokenSource for TokenProvider {
    fn token(&self) -> Result<Token, AuthError> {
        let mut cache = self.inner.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(token) = cache.as_ref()
            && self.inner.clock.now() + RENEW_BEFORE < token.expires_at()
        {
            return Ok(token.clone());
        }
        let token = self.sign()?;
        *cache = Some(token.clone());
        Ok(token)
    }

    fn renew(&self) -> Result<Token, AuthError> {
        let mut cache = self.inner.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let token = self.sign()?;
        *cache = Some(token.clone());
        Ok(token)
    }
}

impl fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("TokenProvider")
            .field("key_id", &inner.key_id)
            .field("issuer_id", &inner.issuer_id)
            .field("audience", &inner.audience)
            .field("scope", &inner.scope)
            .field("lifetime", &inner.lifetime)
            .field("signatures", &self.signatures())
            .finish_non_exhaustive()
    }
}

impl TokenProviderBuilder {
    /// The token lifetime, `exp - iat`: 3 to 20 minutes. Defaults to 20 minutes.
    ///
    /// # Errors
    /// [`AuthError::LifetimeTooLong`] over 20 minutes, [`AuthError::LifetimeTooShort`] under 3.
    pub fn lifetime(mut self, lifetime: Duration) -> Result<TokenProviderBuilder, AuthError> {
        self.lifetime = check_lifetime(lifetime)?;
        Ok(self)
    }

    /// The `scope` claim: the requests the token may make, such as `"GET /v1/certificates"`. Empty
    /// (the default) leaves the claim out.
    #[must_use]
    pub fn scope(mut self, scope: Vec<String>) -> TokenProviderBuilder {
        self.scope = scope;
        self
    }

    /// Whether to sign for the enterprise audience `apple-developer-enterprise-v1` (Apple Developer
    /// Enterprise Program keys, which are team keys). Defaults to [`ApiKey::is_enterprise`].
    #[must_use]
    pub fn enterprise(mut self, enterprise: bool) -> TokenProviderBuilder {
        self.enterprise = enterprise;
        self
    }

    /// The clock to read the time from; [`crate::ManualClock`] in tests. Defaults to the system clock.
    #[must_use]
    pub fn clock(mut self, clock: impl Clock) -> TokenProviderBuilder {
        self.clock = Arc::new(clock);
        self
    }

    /// Builds the provider. Nothing is signed until the first [`TokenSource::token`].
    pub fn build(self) -> TokenProvider {
        // Choose jsonwebtoken's backend ourselves: with more than one backend feature enabled in the
        // build, jsonwebtoken cannot pick one and panics at the first signature. Installing fails
        // harmlessly when a provider is already installed.
        let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.key.key_id().to_owned());
        header.typ = Some("JWT".to_owned());
        TokenProvider {
            inner: Arc::new(Inner {
                key_id: self.key.key_id().to_owned(),
                issuer_id: self.key.issuer_id().map(str::to_owned),
                encoding_key: EncodingKey::from_ec_der(self.key.pkcs8_der()),
                header,
                audience: if self.enterprise {
                    ENTERPRISE_AUDIENCE
                } else {
                    AUDIENCE
                },
                scope: self.scope,
                lifetime: self.lifetime,
                clock: self.clock,
                cache: Mutex::new(None),
                signatures: AtomicU64::new(0),
            }),
        }
    }
}

impl fmt::Debug for TokenProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenProviderBuilder")
            .field("key", &self.key)
            .field("lifetime", &self.lifetime)
            .field("scope", &self.scope)
            .field("enterprise", &self.enterprise)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
