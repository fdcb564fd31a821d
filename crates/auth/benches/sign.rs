//! The cost of one ES256 App Store Connect token: claims, header and the P-256 signature.

use std::hint::black_box;

use ascert_auth::{ApiKey, TokenProvider, TokenSource as _};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use criterion::{Criterion, criterion_group, criterion_main};

fn sign(c: &mut Criterion) {
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
        .expect("a P-256 key");
    let key = ApiKey::from_der(
        "2X9R4HXF34",
        Some("57246542-96fe-1a63-e053-0824d011072a"),
        pkcs8.as_ref(),
    )
    .expect("the key loads");
    let tokens = TokenProvider::new(key);
    c.bench_function("one JWT signature (TokenProvider::renew)", |b| {
        b.iter(|| black_box(tokens.renew().unwrap()));
    });
    c.bench_function("a cached token (TokenProvider::token)", |b| {
        b.iter(|| black_box(tokens.token().unwrap()));
    });
}

criterion_group!(benches, sign);
criterion_main!(benches);
