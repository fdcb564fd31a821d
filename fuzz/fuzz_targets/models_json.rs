//! Any bytes as each JSON document App Store Connect sends: deserializing never panics, and what
//! deserializes serializes again.
#![no_main]

use ascert_models::{CertificateResponse, CertificatesResponse, ErrorResponse, PassTypeIdResponse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = serde_json::from_slice::<CertificatesResponse>(data) {
        let _ = serde_json::to_vec(&doc);
    }
    if let Ok(doc) = serde_json::from_slice::<CertificateResponse>(data) {
        if let Ok(bytes) = serde_json::to_vec(&doc) {
            let _ = serde_json::from_slice::<CertificateResponse>(&bytes).expect("round trip");
        }
    }
    let _ = serde_json::from_slice::<ErrorResponse>(data);
    let _ = serde_json::from_slice::<PassTypeIdResponse>(data);
});
