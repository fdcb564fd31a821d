//! Ensure through a team store, branch by branch: the fleet's one certificate, waiting for the lease
//! holder (given up, or ended by its identity arriving), a pending key planted by a bucket writer,
//! adopting what a dead holder's request made, a refusal that frees the lease, a read-only run
//! without Apple, a stranger's key.

use std::time::Duration;

use ascert_keystore::{CertificateInfo, CsrSubject, Keystore, PrivateKey, create_csr};
use ascert_models::CertificateType;
use ascert_team::{LeaseAttempt, MemberKey, StoreUrl, TeamError};
use ascert_workflows::{
    Apple, CertificateRequest, Ensure, EnsureRequest, Ensured, Error, KeyOrigin, LeaseOptions, Outcome,
    Place, TeamAccess,
};

use crate::support::{Answer, FakeApple, Machine, Recorder, keystore, member_key, team_store};

const TYPE: CertificateType = CertificateType::Distribution;

fn request() -> EnsureRequest {
    EnsureRequest::new(TYPE, CsrSubject::new("ci", ""))
}

/// One run of `ensure` through the store at `url`, as a machine with its keystore.
async fn run(
    apple: Option<&FakeApple>,
    (machine, keystore): (&Machine, &Keystore),
    url: &StoreUrl,
    me: &MemberKey,
    request: EnsureRequest,
    options: &LeaseOptions,
    events: &Recorder,
) -> Result<Ensured, Error> {
    let ensure = Ensure::new(apple, keystore, request, events);
    let listed = ensure.list().await?;
    let access = TeamAccess::open(machine.open(url).await, me.clone(), &TYPE, events).await?;
    ensure.through_store(&listed, access, options).await
}

fn waiting(wait: Duration) -> LeaseOptions {
    LeaseOptions::new(wait)
}

#[tokio::test]
async fn a_fleet_makes_one_certificate_and_every_other_runner_reuses_it() {
    let me = member_key();
    let (a, b) = (Machine::new("runner-a"), Machine::new("runner-b"));
    let url = team_store(&a, &me).await;
    let apple = FakeApple::new();
    let ((_da, keys_a), (_db, keys_b)) = (keystore(), keystore());
    let events = Recorder::default();
    let options = waiting(Duration::from_secs(5));
    // Runner b never saw the store before: its member list is trusted on first use, and said so.
    let made = run(
        Some(&apple),
        (&b, &keys_a),
        &url,
        &me,
        request(),
        &options,
        &events,
    )
    .await
    .unwrap();
    assert_eq!(made.outcome, Outcome::Created);
    assert_eq!(made.key_origin, Some(KeyOrigin::New));
    assert!(events.saw("UnpinnedMemberList"), "{:?}", events.said());
    assert!(events.saw("LeaseTaken"));
    assert!(events.releasers.lock().unwrap().len() == 1);
    let events = Recorder::default();
    let reused = run(
        Some(&apple),
        (&a, &keys_b),
        &url,
        &me,
        request(),
        &options,
        &events,
    )
    .await
    .unwrap();
    assert!(
        !events.saw("UnpinnedMemberList"),
        "runner a made the store: {:?}",
        events.said()
    );
    assert_eq!(reused.outcome, Outcome::Reused);
    assert_eq!(reused.certificate.id, made.certificate.id);
    assert_eq!(reused.key, made.key);
    assert_eq!(
        keys_b.record(&made.key).unwrap().certificate_id.as_deref(),
        Some(made.certificate.id.as_str())
    );
    assert_eq!(apple.asked_for().len(), 1, "one certificate for the fleet");
}

#[tokio::test]
async fn a_runner_waits_for_the_lease_holder_and_gives_up_after_its_wait() {
    let me = member_key();
    let (a, b) = (Machine::new("runner-a"), Machine::new("runner-b"));
    let url = team_store(&a, &me).await;
    let holder = b.open(&url).await;
    let LeaseAttempt::Acquired(_lease) = holder.take_lease(&TYPE, Duration::from_secs(60)).await.unwrap()
    else {
        panic!("the lease was free")
    };
    let apple = FakeApple::new();
    let (_dir, keys) = keystore();
    let events = Recorder::default();
    let deadline = ascert_transport::Deadline::after(Duration::from_secs(60));
    let options = waiting(Duration::from_millis(600)).with_deadline(deadline.clone());
    let err = run(Some(&apple), (&a, &keys), &url, &me, request(), &options, &events)
        .await
        .unwrap_err();
    let Error::WaitedTooLong { holder, waited, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(holder.actor, "runner-b");
    assert!(*waited >= Duration::from_millis(600), "{waited:?}");
    // Waiting for another runner is what `wait` is for: the deadline moved by as much.
    assert!(deadline.allowed() >= Duration::from_secs(60) + Duration::from_millis(600));
    let waits = events
        .said()
        .iter()
        .filter(|e| e.starts_with("WaitingForLease"))
        .count();
    assert_eq!(waits, 1, "the holder is announced once: {:?}", events.said());
    assert!(apple.asked_for().is_empty(), "nothing asked of Apple");
}

#[tokio::test]
async fn the_holders_identity_arriving_ends_the_wait() {
    let me = member_key();
    let (a, b) = (Machine::new("runner-a"), Machine::new("runner-b"));
    let url = team_store(&a, &me).await;
    let holder = b.open(&url).await;
    let LeaseAttempt::Acquired(lease) = holder.take_lease(&TYPE, Duration::from_secs(60)).await.unwrap()
    else {
        panic!("the lease was free")
    };
    let apple = FakeApple::new();
    let (_dir, keys) = keystore();
    let options = waiting(Duration::from_secs(20));
    // The holder creates its certificate and shares it while the other runner waits.
    let holders_work = async {
        tokio::time::sleep(Duration::from_millis(400)).await;
        let key = PrivateKey::generate_rsa_2048().unwrap();
        let csr = create_csr(&key, &CsrSubject::new("holder", "")).unwrap();
        let (certificate, _) = apple
            .create_certificate(CertificateRequest::new(csr.pem(), TYPE))
            .await
            .unwrap();
        let leaf = CertificateInfo::from_model(&certificate).unwrap();
        holder
            .push(&certificate.id, &TYPE, &leaf, &key, &me)
            .await
            .unwrap();
        holder.release_lease(lease).await.unwrap();
        certificate.id
    };
    let events = Recorder::default();
    let (ensured, shared) = tokio::join!(
        run(Some(&apple), (&a, &keys), &url, &me, request(), &options, &events),
        holders_work
    );
    let ensured = ensured.unwrap();
    assert_eq!(ensured.outcome, Outcome::Reused);
    assert_eq!(ensured.certificate.id, shared);
    assert_eq!(ensured.waited_for.len(), 1);
    assert_eq!(apple.asked_for().len(), 1, "only the holder asked Apple");
}

#[tokio::test]
async fn a_pending_key_planted_by_a_bucket_writer_is_never_sent_to_apple() {
    let me = member_key();
    let (a, writer) = (Machine::new("runner-a"), Machine::new("bucket-writer"));
    let url = team_store(&a, &me).await;
    // Anyone who can write to the bucket can seal a key to the members' public keys.
    let planted = PrivateKey::generate_rsa_2048().unwrap();
    let store = writer.open(&url).await;
    let LeaseAttempt::Acquired(lease) = store.take_lease(&TYPE, Duration::from_secs(60)).await.unwrap()
    else {
        panic!("the lease was free")
    };
    store.write_pending(&lease, &planted).await.unwrap();
    store.release_lease(lease).await.unwrap();
    let apple = FakeApple::new();
    let (_dir, keys) = keystore();
    let events = Recorder::default();
    let made = run(
        Some(&apple),
        (&a, &keys),
        &url,
        &me,
        request(),
        &waiting(Duration::from_secs(5)),
        &events,
    )
    .await
    .unwrap();
    assert_eq!(made.outcome, Outcome::Created);
    assert_eq!(made.key_origin, Some(KeyOrigin::New));
    assert_ne!(made.key, planted.id());
    assert!(
        !apple.asked_for().contains(&planted.id()),
        "the planted key went to Apple"
    );
    assert!(events.saw("PendingKeyLeftAlone"), "{:?}", events.said());
}

#[tokio::test]
async fn a_certificate_issued_for_a_dead_holders_pending_key_is_adopted_not_asked_for_again() {
    let me = member_key();
    let (a, b) = (Machine::new("runner-a"), Machine::new("runner-b"));
    let url = team_store(&a, &me).await;
    let apple = FakeApple::new();
    apple.answer(&[Answer::IssueAndFail]);
    let ((_da, keys_a), (_db, keys_b)) = (keystore(), keystore());
    let short = waiting(Duration::from_secs(20)).with_ttl(Duration::from_secs(1));
    let events = Recorder::default();
    let err = run(Some(&apple), (&a, &keys_a), &url, &me, request(), &short, &events)
        .await
        .unwrap_err();
    let Error::CreateFailed {
        key_id,
        through_store: true,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    let pending_key = *key_id;
    // The request may have gone through: the lease is left to run out, not released.
    assert!(events.saw("LeaseKeptInFlight"), "{:?}", events.said());
    let adopted = run(
        Some(&apple),
        (&b, &keys_b),
        &url,
        &me,
        request(),
        &short,
        &Recorder::default(),
    )
    .await
    .unwrap();
    assert_eq!(adopted.outcome, Outcome::Adopted);
    assert_eq!(adopted.key_origin, Some(KeyOrigin::Adopted));
    assert_eq!(adopted.key, pending_key);
    assert_eq!(
        apple.asked_for().len(),
        1,
        "the certificate was adopted, not asked for again"
    );
    assert!(
        b.open(&url).await.pending(&TYPE).await.unwrap().is_empty(),
        "the pending key is cleared"
    );
}

#[tokio::test]
async fn a_refusal_under_the_lease_frees_it_and_the_next_run_here_resumes_its_key() {
    let me = member_key();
    let (a, b) = (Machine::new("runner-a"), Machine::new("runner-b"));
    let url = team_store(&a, &me).await;
    let apple = FakeApple::new();
    apple.answer(&[Answer::Refuse]);
    let (_dir, keys) = keystore();
    let options = waiting(Duration::from_secs(5));
    let err = run(
        Some(&apple),
        (&a, &keys),
        &url,
        &me,
        request(),
        &options,
        &Recorder::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::CreateRefused {
                through_store: true,
                ..
            }
        ),
        "{err:?}"
    );
    // Nothing was made: the lease is free at once.
    let other = b.open(&url).await;
    let LeaseAttempt::Acquired(lease) = other.take_lease(&TYPE, Duration::from_secs(60)).await.unwrap()
    else {
        panic!("the lease was not released")
    };
    other.release_lease(lease).await.unwrap();
    let events = Recorder::default();
    let made = run(Some(&apple), (&a, &keys), &url, &me, request(), &options, &events)
        .await
        .unwrap();
    assert_eq!(made.key_origin, Some(KeyOrigin::LocalPending));
    assert!(events.saw("ResumingOwnPendingKey"), "{:?}", events.said());
    let asked = apple.asked_for();
    assert_eq!(asked, vec![made.key, made.key], "the same key, asked for twice");
}

#[tokio::test]
async fn a_full_slot_under_the_lease_counts_the_stored_certificates_as_the_teams() {
    let me = member_key();
    let (a, b) = (Machine::new("runner-a"), Machine::new("runner-b"));
    let url = team_store(&a, &me).await;
    let apple = FakeApple::new();
    apple.valid_for(time::Duration::days(10));
    let ((_da, keys_a), (_db, keys_b)) = (keystore(), keystore());
    let options = waiting(Duration::from_secs(5));
    let first = run(
        Some(&apple),
        (&a, &keys_a),
        &url,
        &me,
        request(),
        &options,
        &Recorder::default(),
    )
    .await
    .unwrap();
    // Another machine wants 30 days left: the stored one will not do, and Apple's slots are full.
    apple.answer(&[Answer::SlotsFull]);
    let err = run(
        Some(&apple),
        (&b, &keys_b),
        &url,
        &me,
        request().with_min_days_left(30),
        &options,
        &Recorder::default(),
    )
    .await
    .unwrap_err();
    let Error::SlotsFull(slots) = err else {
        panic!("{err:?}")
    };
    let in_use: Vec<_> = slots
        .in_use
        .iter()
        .map(|u| (u.certificate.id.clone(), u.holder))
        .collect();
    assert_eq!(
        in_use,
        vec![(first.certificate.id.clone(), ascert_workflows::Holder::Renewing)]
    );
    assert_eq!(slots.renewal.map(|r| r.min_days_left), Some(30));
}

#[tokio::test]
async fn a_read_only_run_without_apple_uses_the_stored_identity_and_says_it_was_not_checked() {
    let me = member_key();
    let (a, c) = (Machine::new("runner-a"), Machine::new("laptop"));
    let url = team_store(&a, &me).await;
    let apple = FakeApple::new();
    let ((_da, keys_a), (_dc, keys_c)) = (keystore(), keystore());
    let options = waiting(Duration::from_secs(5));
    let made = run(
        Some(&apple),
        (&a, &keys_a),
        &url,
        &me,
        request(),
        &options,
        &Recorder::default(),
    )
    .await
    .unwrap();
    let events = Recorder::default();
    let used = run(
        None,
        (&c, &keys_c),
        &url,
        &me,
        request().read_only(true),
        &options,
        &events,
    )
    .await
    .unwrap();
    assert_eq!(used.outcome, Outcome::Reused);
    assert_eq!(used.certificate.id, made.certificate.id);
    assert!(events.saw("NotCheckedAtApple"), "{:?}", events.said());
    // Read-only with nothing of another type stored: nothing is made, and it says where it looked.
    let ensure = Ensure::new(
        None::<&FakeApple>,
        &keys_c,
        EnsureRequest::new(CertificateType::Development, CsrSubject::new("ci", "")).read_only(true),
        &events,
    );
    let access = TeamAccess::open(
        c.open(&url).await,
        me.clone(),
        &CertificateType::Development,
        &events,
    )
    .await
    .unwrap();
    let err = ensure.through_store(&[], access, &options).await.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::NoneUsable {
                place: Place::Store(_),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(apple.asked_for().len(), 1);
}

#[tokio::test]
async fn a_key_that_is_not_a_members_is_refused_before_anything_is_read() {
    let me = member_key();
    let a = Machine::new("runner-a");
    let url = team_store(&a, &me).await;
    let stranger = member_key();
    let result = TeamAccess::open(a.open(&url).await, stranger, &TYPE, &Recorder::default()).await;
    assert!(
        matches!(result, Err(Error::Team(TeamError::WrongIdentity { .. }))),
        "a stranger's key opened the store"
    );
}
