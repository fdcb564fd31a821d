//! Any bytes as an API key: a .p8 (PEM), DER, base64 PEM, fastlane's JSON and rcodesign's JSON.
#![no_main]

use ascert_auth::ApiKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ApiKey::from_der("ABCDEFGHIJ", None, data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = ApiKey::from_pem("ABCDEFGHIJ", Some("57246542-96fe-1a63-e053-0824d011072a"), text);
        let _ = ApiKey::from_base64_pem("ABCDEFGHIJ", None, text);
        let _ = ApiKey::from_fastlane_json(text);
        let _ = ApiKey::from_rcodesign_json(text);
    }
});
