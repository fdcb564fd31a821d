//! What the lease protocol relies on, checked against each server itself, below ascert-team.
//!
//! moto, through `object_store`'s S3 client with conditional puts in `etag` mode: a second
//! `If-None-Match: *` PUT is refused with 412, a PUT with a stale `If-Match` is refused with 412, one
//! on a missing object with 404 (which `object_store` reports as a failed precondition), and the
//! right `ETag` wins. moto checks the condition and stores the object in two steps of one request
//! handler, under a threaded server; the races in leases.rs and processes.rs have never seen it let
//! two writers through (docs/team.md), and the probe of ascert-team would refuse a server that
//! ignores the headers.
//!
//! Azurite, through `object_store`'s Azure client: see `azurite_honours_if_none_match_and_if_match_on_put`.

use object_store::aws::{AmazonS3Builder, S3ConditionalPut};
use object_store::path::Path;
use object_store::{ObjectStore as _, ObjectStoreExt as _, PutMode, PutOptions, PutPayload, UpdateVersion};

use crate::azurite::Azurite;
use crate::backends::TestBackend as _;
use crate::server::Moto;

fn put(mode: PutMode) -> PutOptions {
    PutOptions::from(mode)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_honours_if_none_match_and_if_match_on_put() {
    let moto = Moto::start().await;
    moto.create_bucket("conditions").await;
    let s3 = AmazonS3Builder::new()
        .with_endpoint(&moto.endpoint)
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_bucket_name("conditions")
        .with_access_key_id("test")
        .with_secret_access_key("test")
        .with_conditional_put(S3ConditionalPut::ETagMatch)
        .build()
        .unwrap();
    let path = Path::from("lease.json");
    let first = s3
        .put_opts(&path, PutPayload::from_static(b"one"), put(PutMode::Create))
        .await
        .unwrap();

    let error = s3
        .put_opts(&path, PutPayload::from_static(b"two"), put(PutMode::Create))
        .await
        .unwrap_err();
    assert!(
        matches!(error, object_store::Error::AlreadyExists { .. }),
        "{error:?}"
    );
    assert!(format!("{error}").contains("412"), "{error}");

    let second = s3
        .put_opts(
            &path,
            PutPayload::from_static(b"three"),
            put(PutMode::Update(first.clone().into())),
        )
        .await
        .unwrap();
    assert_ne!(second.e_tag, first.e_tag);

    let error = s3
        .put_opts(
            &path,
            PutPayload::from_static(b"stale"),
            put(PutMode::Update(first.into())),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, object_store::Error::Precondition { .. }),
        "{error:?}"
    );
    assert!(format!("{error}").contains("412"), "{error}");

    let missing = UpdateVersion {
        e_tag: second.e_tag.clone(),
        version: None,
    };
    let error = s3
        .put_opts(
            &Path::from("absent.json"),
            PutPayload::from_static(b"x"),
            put(PutMode::Update(missing)),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, object_store::Error::Precondition { .. }),
        "{error:?}"
    );
    assert!(format!("{error}").contains("404"), "{error}");

    let stored = s3
        .get_opts(&path, object_store::GetOptions::default())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&stored[..], b"three");
}

/// The same against Azurite through `object_store`'s Azure client, which sends `If-None-Match: *` and
/// `If-Match` on Put Blob: Azurite refuses a second create with `409 BlobAlreadyExists` (real Azure
/// answers 412; `object_store` reports both as `AlreadyExists`), a stale `ETag` with
/// `412 ConditionNotMet`, and `If-Match` on a missing blob with 412 as well. It checks the condition
/// and inserts the blob in one synchronous step of its single Node.js thread, so two writers cannot
/// both pass. Its `ETag`s are quoted hex (`"0x…"`, the millisecond clock times a random factor) and its
/// `Last-Modified` has whole seconds, like Azure's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azurite_honours_if_none_match_and_if_match_on_put() {
    let azurite = Azurite::start().await;
    azurite.create_container("conditions").await;
    let blobs = azurite.raw("conditions");
    let path = Path::from("lease.json");
    let first = blobs
        .put_opts(&path, PutPayload::from_static(b"one"), put(PutMode::Create))
        .await
        .unwrap();
    let e_tag = first.e_tag.clone().unwrap();
    assert!(
        e_tag.starts_with("\"0x") && e_tag.ends_with('"'),
        "Azure-style ETag: {e_tag}"
    );
    let meta = blobs.head(&path).await.unwrap();
    assert_eq!(meta.e_tag.as_ref(), Some(&e_tag));
    assert_eq!(meta.last_modified.timestamp_subsec_nanos(), 0, "whole seconds");

    let error = blobs
        .put_opts(&path, PutPayload::from_static(b"two"), put(PutMode::Create))
        .await
        .unwrap_err();
    assert!(
        matches!(error, object_store::Error::AlreadyExists { .. }),
        "{error:?}"
    );
    assert!(format!("{error}").contains("409"), "{error}");

    let second = blobs
        .put_opts(
            &path,
            PutPayload::from_static(b"three"),
            put(PutMode::Update(first.clone().into())),
        )
        .await
        .unwrap();
    assert_ne!(second.e_tag, first.e_tag);

    let error = blobs
        .put_opts(
            &path,
            PutPayload::from_static(b"stale"),
            put(PutMode::Update(first.into())),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, object_store::Error::Precondition { .. }),
        "{error:?}"
    );
    assert!(format!("{error}").contains("412"), "{error}");

    let missing = UpdateVersion {
        e_tag: second.e_tag.clone(),
        version: None,
    };
    let error = blobs
        .put_opts(
            &Path::from("absent.json"),
            PutPayload::from_static(b"x"),
            put(PutMode::Update(missing)),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, object_store::Error::Precondition { .. }),
        "{error:?}"
    );
    assert!(format!("{error}").contains("412"), "{error}");

    let stored = blobs
        .get_opts(&path, object_store::GetOptions::default())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&stored[..], b"three");
}
