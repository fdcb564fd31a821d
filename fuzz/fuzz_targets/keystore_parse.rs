//! Any bytes as a private key (DER, PEM, encrypted PEM) and as a certificate (DER or PEM).
#![no_main]

use ascert_keystore::{CertificateInfo, PrivateKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = PrivateKey::from_der(data);
    if let Ok(info) = CertificateInfo::from_der_or_pem(data) {
        let _ = info.to_pem();
        let _ = info.key_id();
        let _ = info.not_after();
        let _ = info.verify_issued_by(&info);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = PrivateKey::from_pem(text);
        let _ = PrivateKey::from_pem_with_passphrase(text, "passphrase");
    }
});
