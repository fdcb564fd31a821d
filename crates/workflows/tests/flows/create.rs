//! The safe creation flow: the key on disk before its CSR leaves, one key per request however many
//! refusals, a full slot explained by where each certificate's key is.

use ascert_keystore::CsrSubject;
use ascert_models::CertificateType;
use ascert_workflows::{Error, Holder, IdentityRequest, Outcome, create_identity};

use crate::support::{Answer, FakeApple, Recorder, keystore};

fn request() -> IdentityRequest {
    IdentityRequest::new(
        CertificateType::Distribution,
        CsrSubject::new("ci", ""),
        "flows test",
    )
}

#[tokio::test]
async fn the_key_is_on_disk_before_its_csr_is_sent_and_recorded_with_its_certificate() {
    let (_dir, store) = keystore();
    let apple = FakeApple::new().watching(&store);
    let events = Recorder::default();
    let created = create_identity(&apple, &store, &request(), &events)
        .await
        .unwrap();
    assert_eq!(created.outcome, Outcome::Created);
    assert!(!created.reused_key);
    assert_eq!(
        apple.key_was_on_disk(),
        vec![true],
        "the CSR left before its key was kept"
    );
    let record = store.record(&created.key).unwrap();
    assert_eq!(
        record.certificate_id.as_deref(),
        Some(created.certificate.id.as_str())
    );
    assert_eq!(created.leaf.key_id(), created.key);
    let said = events.said();
    assert!(
        said.iter().any(|e| e.starts_with("Started(GeneratingKey")),
        "{said:?}"
    );
    assert!(said.iter().any(|e| e == "Finished(AskingApple)"), "{said:?}");
}

#[tokio::test]
async fn a_refused_request_keeps_its_key_and_the_next_try_reuses_it() {
    let (_dir, store) = keystore();
    let apple = FakeApple::new();
    apple.answer(&[Answer::Refuse, Answer::Refuse]);
    let events = Recorder::default();
    for _ in 0..2 {
        let err = create_identity(&apple, &store, &request(), &events)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::CreateRefused {
                    through_store: false,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("is kept"), "{err}");
    }
    let created = create_identity(&apple, &store, &request(), &events)
        .await
        .unwrap();
    assert!(created.reused_key);
    // Three requests, one key: no stray key per refusal.
    let asked = apple.asked_for();
    assert_eq!(asked.len(), 3);
    assert!(asked.iter().all(|k| *k == created.key), "{asked:?}");
    assert_eq!(store.records().unwrap().len(), 1);
    assert!(events.saw("ReusingPendingKey"), "{:?}", events.said());
}

#[tokio::test]
async fn an_unknown_outcome_keeps_the_key_and_says_so() {
    let (_dir, store) = keystore();
    let apple = FakeApple::new();
    apple.answer(&[Answer::IssueAndFail]);
    let err = create_identity(&apple, &store, &request(), &Recorder::default())
        .await
        .unwrap_err();
    let Error::CreateFailed { key_id, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        err.to_string()
            .contains("running the same command again reuses it"),
        "{err}"
    );
    let record = store.record(key_id).unwrap();
    assert!(record.certificate_id.is_none(), "the key stays pending");
}

#[tokio::test]
async fn a_full_slot_names_the_certificates_in_the_way_and_where_their_keys_are() {
    let (_dir, store) = keystore();
    let apple = FakeApple::new();
    // One certificate whose key is here, and one made from a key this machine never had.
    let mine = create_identity(&apple, &store, &request(), &Recorder::default())
        .await
        .unwrap();
    let (_elsewhere_dir, elsewhere) = keystore();
    let theirs = create_identity(&apple, &elsewhere, &request(), &Recorder::default())
        .await
        .unwrap();
    apple.answer(&[Answer::SlotsFull]);
    let other = IdentityRequest::new(CertificateType::Distribution, CsrSubject::new("other", ""), "x");
    let err = create_identity(&apple, &store, &other, &Recorder::default())
        .await
        .unwrap_err();
    let Error::SlotsFull(slots) = err else {
        panic!("{err:?}")
    };
    assert!(slots.source.is_certificate_limit());
    let holder_of = |id: &str| {
        slots
            .in_use
            .iter()
            .find(|u| u.certificate.id == id)
            .map(|u| u.holder)
    };
    assert_eq!(holder_of(&mine.certificate.id), Some(Holder::Here));
    assert_eq!(holder_of(&theirs.certificate.id), Some(Holder::Elsewhere));
    assert!(slots.renewal.is_none());
}
