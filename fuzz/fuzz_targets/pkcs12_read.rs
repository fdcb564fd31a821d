//! Any bytes as a PKCS#12 file, with an empty and a non-empty password.
#![no_main]

use ascert_keystore::read_pkcs12;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = read_pkcs12(data, "");
    let _ = read_pkcs12(data, "correct horse");
});
