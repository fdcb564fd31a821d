//! How long one PKCS#12 write takes in the build it runs in: the figure behind the README's
//! `[profile.dev.package]` lines. Run it in a debug build as is, then with the override taken away,
//! as the README shows; it writes nothing to disk.

use std::time::{Duration, Instant};

use ascert_keystore::{CertificateInfo, Pkcs12Options, PrivateKey, build_pkcs12};

/// A self-signed certificate for `key`: enough for a bundle, which needs a leaf of that key.
fn leaf(key: &PrivateKey) -> CertificateInfo {
    let pair = rcgen::KeyPair::try_from(key.pkcs8_der()).expect("the key converts");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("parameters");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Apple Development: Timing");
    let certificate = params.self_signed(&pair).expect("a certificate");
    CertificateInfo::from_der(certificate.der()).expect("it parses")
}

/// The median of `runs` writes with `options`.
fn median(key: &PrivateKey, leaf: &CertificateInfo, options: Pkcs12Options, runs: usize) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let bundle = build_pkcs12(key, leaf, &[], "a password", options).expect("a bundle");
            let elapsed = start.elapsed();
            std::hint::black_box(bundle);
            elapsed
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn main() {
    let key = PrivateKey::generate_rsa_2048().expect("an RSA key");
    let leaf = leaf(&key);
    let runs = 5;
    let modern = median(&key, &leaf, Pkcs12Options::modern(), runs);
    let compatible = median(&key, &leaf, Pkcs12Options::compatible(), runs);
    #[allow(clippy::print_stdout, reason = "the example's output is its figures")]
    {
        println!(
            "one .p12, median of {runs}: modern (AES-256, PBKDF2-SHA256, 600,000 iterations) {:.3} s; \
             compatible (3DES, SHA-1 MAC, 2048 iterations) {:.3} s",
            modern.as_secs_f64(),
            compatible.as_secs_f64()
        );
    }
}
