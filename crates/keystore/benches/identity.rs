//! One CSR and one PKCS#12 bundle from an RSA-2048 key made once; and the key itself, which is what
//! identity creation spends its time on.

use std::hint::black_box;
use std::time::Duration;

use ascert_keystore::{CertificateInfo, CsrSubject, Pkcs12Options, PrivateKey, build_pkcs12, create_csr};
use criterion::{Criterion, criterion_group, criterion_main};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DnType, IsCa, Issuer, KeyPair,
};

/// A CA of our own and a leaf it issued from `key`'s CSR.
fn leaf_and_ca(key: &PrivateKey) -> (CertificateInfo, CertificateInfo) {
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, "Bench WWDR CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().expect("a CA key");
    let ca = CertificateInfo::from_der(params.self_signed(&ca_key).expect("a CA").der()).expect("parses");
    let csr = create_csr(
        key,
        &CsrSubject::new("Apple Development: Bench", "bench@example.com"),
    )
    .expect("CSR");
    let request = CertificateSigningRequestParams::from_pem(csr.pem()).expect("the CSR parses");
    let leaf = request
        .signed_by(&Issuer::from_params(&params, &ca_key))
        .expect("a leaf");
    (CertificateInfo::from_der(leaf.der()).expect("parses"), ca)
}

fn identity(c: &mut Criterion) {
    let key = PrivateKey::generate_rsa_2048().expect("an RSA key");
    let subject = CsrSubject::new("Apple Development: Bench", "bench@example.com");
    c.bench_function("one CSR (RSA-2048, SHA-256)", |b| {
        b.iter(|| black_box(create_csr(&key, &subject).unwrap()));
    });
    let (leaf, ca) = leaf_and_ca(&key);
    let chain = [ca];
    c.bench_function("one .p12 (compatible: 3DES, SHA-1 MAC)", |b| {
        b.iter(|| {
            black_box(build_pkcs12(&key, &leaf, &chain, "password", Pkcs12Options::compatible()).unwrap())
        });
    });
    c.bench_function("one .p12 (modern: AES-256, SHA-256 MAC)", |b| {
        b.iter(|| black_box(build_pkcs12(&key, &leaf, &chain, "password", Pkcs12Options::modern()).unwrap()));
    });
    let mut slow = c.benchmark_group("RSA");
    slow.sample_size(10).measurement_time(Duration::from_secs(10));
    slow.bench_function("one RSA-2048 key", |b| {
        b.iter(|| black_box(PrivateKey::generate_rsa_2048().unwrap()));
    });
    slow.finish();
}

criterion_group!(benches, identity);
criterion_main!(benches);
