//! Decoding one page of 200 certificates, as `GET /v1/certificates?limit=200` answers it: straight
//! from the bytes, and through `serde_path_to_error` as ascert-transport does (to name the JSON path
//! of a field that does not fit). `ASCERT_BENCH_PAGE=page.json` decodes a saved page instead of the
//! generated one.

use std::fmt::Write as _;
use std::hint::black_box;

use ascert_models::CertificatesResponse;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// A page shaped as Apple and the sandbox send it, with a certificate body of a real one's length.
fn page(count: usize) -> Vec<u8> {
    // About 1,450 DER bytes: the base64 of a real development certificate is 1,936 characters.
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let content: String = (0..1_936)
        .map(|i| char::from(alphabet[(i * 7 + 3) % 64]))
        .collect();
    let mut data = String::new();
    for n in 0..count {
        if n > 0 {
            data.push(',');
        }
        let id = format!("{n:010}");
        let _ = write!(
            data,
            r#"{{"type":"certificates","id":"{id}","attributes":{{"serialNumber":"{n:016X}","certificateContent":"{content}","displayName":"Jane Appleseed","name":"Apple Development: Jane Appleseed","csrContent":null,"platform":null,"expirationDate":"2027-02-12T13:17:50.000+0000","certificateType":"DEVELOPMENT","activated":true,"requesterEmail":"jane@example.com"}},"relationships":{{"passTypeId":{{"links":{{"self":"https://api.appstoreconnect.apple.com/v1/certificates/{id}/relationships/passTypeId","related":"https://api.appstoreconnect.apple.com/v1/certificates/{id}/passTypeId"}}}}}},"links":{{"self":"https://api.appstoreconnect.apple.com/v1/certificates/{id}"}}}}"#
        );
    }
    format!(
        r#"{{"data":[{data}],"links":{{"self":"https://api.appstoreconnect.apple.com/v1/certificates?limit={count}","next":"https://api.appstoreconnect.apple.com/v1/certificates?cursor=AMg.AAAA&limit={count}"}},"meta":{{"paging":{{"total":10000,"limit":{count}}}}}}}"#
    )
    .into_bytes()
}

/// The page to decode: the file named by `ASCERT_BENCH_PAGE` (a page saved from the sandbox or from
/// Apple, say with curl), else a generated one.
fn body() -> Vec<u8> {
    match std::env::var_os("ASCERT_BENCH_PAGE") {
        Some(path) => std::fs::read(&path).expect("ASCERT_BENCH_PAGE names a readable file"),
        None => page(200),
    }
}

fn decode(c: &mut Criterion) {
    let body = body();
    let check: CertificatesResponse = serde_json::from_slice(&body).expect("the page decodes");
    assert_eq!(check.data.len(), 200);
    let mut group = c.benchmark_group("decode a 200-certificate page");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("serde_json::from_slice", |b| {
        b.iter(|| serde_json::from_slice::<CertificatesResponse>(black_box(&body)).unwrap());
    });
    group.bench_function("serde_path_to_error over from_slice", |b| {
        b.iter(|| {
            let mut deserializer = serde_json::Deserializer::from_slice(black_box(&body));
            serde_path_to_error::deserialize::<_, CertificatesResponse>(&mut deserializer).unwrap()
        });
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
