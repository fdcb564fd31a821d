//! Checking the bearer token as App Store Connect does: an ES256 JWT whose `kid` names a registered
//! key, `aud` `appstoreconnect-v1`, `iss` the team's issuer id (or `sub: "user"` for an individual
//! key), an `exp` in the future at most 20 minutes after `iat` (or after now, when the token has no
//! `iat`, as Apple accepts), and a valid signature.

use std::collections::HashMap;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::apple_error::ApiFailure;
use crate::{KeyKind, KeyRole, SandboxApiKey};

/// The audience of App Store Connect tokens.
pub const AUDIENCE: &str = "appstoreconnect-v1";
/// The longest lifetime Apple accepts, `exp - iat`, in seconds.
pub const MAX_LIFETIME_SECS: i64 = 20 * 60;
/// Clock skew allowed on the future side, in seconds: on `iat`, and on `exp` of a token without `iat`.
const SKEW_SECS: i64 = 60;

/// Who made an authenticated request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller {
    /// The key id.
    pub(crate) key_id: String,
    /// What the key may do.
    pub(crate) role: KeyRole,
}

#[derive(Debug, Deserialize)]
struct Claims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<serde_json::Value>,
    iat: Option<i64>,
    exp: Option<i64>,
    scope: Option<Vec<String>>,
}

/// Why a token was refused; every reason answers the same 401, but tests and logs can tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    MissingHeader,
    NotBearer,
    Malformed,
    WrongAlgorithm,
    UnknownKey,
    BadSignature,
    WrongAudience,
    WrongIssuer,
    Expired,
    TooLong,
    IssuedInFuture,
    OutOfScope,
}

impl From<Refusal> for ApiFailure {
    fn from(_: Refusal) -> Self {
        // Apple does not say which check failed.
        ApiFailure::not_authorized()
    }
}

/// Checks the `Authorization` header of a `method` request for `path_and_query` at time `now`
/// (seconds since the epoch).
pub(crate) fn check(
    authorization: Option<&str>,
    keys: &HashMap<String, SandboxApiKey>,
    method: &str,
    path_and_query: &str,
    now: i64,
) -> Result<Caller, Refusal> {
    let header = authorization.ok_or(Refusal::MissingHeader)?;
    let token = header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(Refusal::NotBearer)?;
    let jwt_header = jsonwebtoken::decode_header(token).map_err(|_| Refusal::Malformed)?;
    if jwt_header.alg != Algorithm::ES256 || jwt_header.typ.as_deref().is_some_and(|t| t != "JWT") {
        return Err(Refusal::WrongAlgorithm);
    }
    let key = jwt_header
        .kid
        .as_deref()
        .and_then(|kid| keys.get(kid))
        .ok_or(Refusal::UnknownKey)?;
    let mut validation = Validation::new(Algorithm::ES256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;
    let claims =
        jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_ec_der(&key.public_key), &validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature => Refusal::BadSignature,
                _ => Refusal::Malformed,
            })?
            .claims;
    let audience_ok = match &claims.aud {
        Some(serde_json::Value::String(aud)) => aud == AUDIENCE,
        Some(serde_json::Value::Array(auds)) => auds.iter().any(|a| a == AUDIENCE),
        _ => false,
    };
    if !audience_ok {
        return Err(Refusal::WrongAudience);
    }
    let issuer_ok = match key.kind {
        KeyKind::Individual => claims.sub.as_deref() == Some("user") && claims.iss.is_none(),
        _ => claims.iss.as_deref() == Some(key.issuer_id.as_str()),
    };
    if !issuer_ok {
        return Err(Refusal::WrongIssuer);
    }
    check_lifetime(claims.iat, claims.exp, now)?;
    if let Some(scope) = claims.scope.filter(|s| !s.is_empty()) {
        let path = path_and_query.split('?').next().unwrap_or_default();
        let allowed = scope.iter().any(|entry| {
            entry == &format!("{method} {path_and_query}") || entry == &format!("{method} {path}")
        });
        if !allowed {
            return Err(Refusal::OutOfScope);
        }
    }
    Ok(Caller {
        key_id: key.key_id.clone(),
        role: key.role,
    })
}

/// Apple's lifetime rule as observed: `exp` in the future, and at most 20 minutes after `iat`, or
/// at most 20 minutes from now when the token has no `iat` (Apple documents `iat`, yet accepts
/// tokens without it, which widely used clients send). Clock skew of [`SKEW_SECS`] is allowed on
/// the future side only: an `iat` that far ahead, or, without `iat`, an `exp` that much further
/// out. An `exp` at or before now is expired whatever the skew.
fn check_lifetime(iat: Option<i64>, exp: Option<i64>, now: i64) -> Result<(), Refusal> {
    let exp = exp.ok_or(Refusal::Malformed)?;
    if exp <= now {
        return Err(Refusal::Expired);
    }
    match iat {
        Some(iat) => {
            if iat > now + SKEW_SECS {
                return Err(Refusal::IssuedInFuture);
            }
            if exp - iat > MAX_LIFETIME_SECS || exp <= iat {
                return Err(Refusal::TooLong);
            }
        }
        None => {
            if exp - now > MAX_LIFETIME_SECS + SKEW_SECS {
                return Err(Refusal::TooLong);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::json;

    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn keys() -> (HashMap<String, SandboxApiKey>, SandboxApiKey, SandboxApiKey) {
        let team = SandboxApiKey::generate("ISSUER", KeyRole::Admin, KeyKind::Team).unwrap();
        let individual = SandboxApiKey::generate("ISSUER", KeyRole::Admin, KeyKind::Individual).unwrap();
        let map = [&team, &individual]
            .into_iter()
            .map(|k| (k.key_id.clone(), k.clone()))
            .collect();
        (map, team, individual)
    }

    fn token(key: &SandboxApiKey, claims: &serde_json::Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(key.key_id.clone());
        header.typ = Some("JWT".into());
        let encoding = EncodingKey::from_ec_pem(key.private_key_pem.as_bytes()).unwrap();
        jsonwebtoken::encode(&header, claims, &encoding).unwrap()
    }

    fn run(keys: &HashMap<String, SandboxApiKey>, token: &str) -> Result<Caller, Refusal> {
        check(
            Some(&format!("Bearer {token}")),
            keys,
            "GET",
            "/v1/certificates",
            NOW,
        )
    }

    #[test]
    fn accepts_team_and_individual_tokens() {
        let (map, team, individual) = keys();
        let good = json!({"iss": "ISSUER", "aud": AUDIENCE, "iat": NOW, "exp": NOW + 1200});
        assert_eq!(run(&map, &token(&team, &good)).unwrap().key_id, team.key_id);
        let user = json!({"sub": "user", "aud": AUDIENCE, "iat": NOW, "exp": NOW + 600});
        assert!(run(&map, &token(&individual, &user)).is_ok());
        let scoped = json!({"iss": "ISSUER", "aud": AUDIENCE, "iat": NOW, "exp": NOW + 60,
            "scope": ["GET /v1/certificates"]});
        assert!(run(&map, &token(&team, &scoped)).is_ok());
    }

    #[test]
    fn names_each_refusal() {
        let (map, team, individual) = keys();
        let claims = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut c = json!({"iss": "ISSUER", "aud": AUDIENCE, "iat": NOW, "exp": NOW + 1200});
            f(&mut c);
            c
        };
        assert_eq!(check(None, &map, "GET", "/", NOW), Err(Refusal::MissingHeader));
        assert_eq!(
            check(Some("Basic abc"), &map, "GET", "/", NOW),
            Err(Refusal::NotBearer)
        );
        assert_eq!(run(&map, "not.a.jwt"), Err(Refusal::Malformed));
        for (claims, refusal) in [
            (claims(&|c| c["aud"] = json!("other")), Refusal::WrongAudience),
            (claims(&|c| c["iss"] = json!("SOMEONE")), Refusal::WrongIssuer),
            (claims(&|c| c["exp"] = json!(NOW - 1)), Refusal::Expired),
            (claims(&|c| c["exp"] = json!(NOW + 1201)), Refusal::TooLong),
            (claims(&|c| c["iat"] = json!(NOW + 600)), Refusal::IssuedInFuture),
            (
                claims(&|c| c["scope"] = json!(["GET /v1/apps"])),
                Refusal::OutOfScope,
            ),
        ] {
            assert_eq!(run(&map, &token(&team, &claims)), Err(refusal), "{claims}");
        }
        // An individual key must not carry the team's issuer.
        assert_eq!(
            run(&map, &token(&individual, &claims(&|_| {}))),
            Err(Refusal::WrongIssuer)
        );
        // A token signed by another key under a registered kid.
        let stranger = SandboxApiKey {
            key_id: team.key_id.clone(),
            ..SandboxApiKey::generate("ISSUER", KeyRole::Admin, KeyKind::Team).unwrap()
        };
        assert_eq!(
            run(&map, &token(&stranger, &claims(&|_| {}))),
            Err(Refusal::BadSignature)
        );
        let unknown = SandboxApiKey::generate("ISSUER", KeyRole::Admin, KeyKind::Team).unwrap();
        assert_eq!(
            run(&map, &token(&unknown, &claims(&|_| {}))),
            Err(Refusal::UnknownKey)
        );
    }

    #[test]
    fn without_iat_exp_is_measured_from_now() {
        let (map, team, _) = keys();
        let no_iat = |exp: i64| json!({"iss": "ISSUER", "aud": AUDIENCE, "exp": exp});
        // What codemagic-cli-tools and Ponytech's appstoreconnect send: iss, exp, aud and no iat.
        assert!(run(&map, &token(&team, &no_iat(NOW + 19 * 60))).is_ok());
        assert!(run(&map, &token(&team, &no_iat(NOW + MAX_LIFETIME_SECS))).is_ok());
        // A client whose clock runs up to SKEW_SECS ahead still gets in.
        assert!(run(&map, &token(&team, &no_iat(NOW + MAX_LIFETIME_SECS + SKEW_SECS))).is_ok());
        assert_eq!(
            run(
                &map,
                &token(&team, &no_iat(NOW + MAX_LIFETIME_SECS + SKEW_SECS + 1))
            ),
            Err(Refusal::TooLong)
        );
        assert_eq!(run(&map, &token(&team, &no_iat(NOW))), Err(Refusal::Expired));
        // The other checks still apply to a token without iat.
        let mut wrong_audience = no_iat(NOW + 600);
        wrong_audience["aud"] = json!("other");
        assert_eq!(
            run(&map, &token(&team, &wrong_audience)),
            Err(Refusal::WrongAudience)
        );
        let no_exp = json!({"iss": "ISSUER", "aud": AUDIENCE, "iat": NOW});
        assert_eq!(run(&map, &token(&team, &no_exp)), Err(Refusal::Malformed));
    }

    #[test]
    fn with_iat_exp_is_measured_from_iat() {
        let (map, team, _) = keys();
        let with_iat = |iat: i64, exp: i64| json!({"iss": "ISSUER", "aud": AUDIENCE, "iat": iat, "exp": exp});
        // Issued ten minutes ago for twenty minutes: fine, although exp - now is only ten minutes.
        assert!(run(&map, &token(&team, &with_iat(NOW - 600, NOW + 600))).is_ok());
        // An iat slightly ahead of the sandbox's clock is skew, not a forgery.
        assert!(
            run(
                &map,
                &token(&team, &with_iat(NOW + SKEW_SECS, NOW + SKEW_SECS + 1200))
            )
            .is_ok()
        );
        assert_eq!(
            run(&map, &token(&team, &with_iat(NOW + SKEW_SECS + 1, NOW + 1200))),
            Err(Refusal::IssuedInFuture)
        );
        // With iat, the 20 minutes count from iat even when that lands under now + 20 minutes.
        assert_eq!(
            run(&map, &token(&team, &with_iat(NOW - 600, NOW + 601))),
            Err(Refusal::TooLong)
        );
        assert_eq!(
            run(&map, &token(&team, &with_iat(NOW + 10, NOW + 5))),
            Err(Refusal::TooLong)
        );
    }
}
