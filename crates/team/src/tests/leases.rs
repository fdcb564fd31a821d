//! Leases on memory stores: take, hold, renew, release, takeover after expiry by either clock rule,
//! lost answers, backends that ignore conditions, and 16 tasks racing.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ascert_models::CertificateType;

use super::{Behaviour, TestObjects, member, options, snapshot};
use crate::{
    Acquisition, InitOptions, Lease, LeaseAttempt, MemberKey, Release, StoreOptions, TeamError, TeamStore,
};

const DISTRIBUTION: CertificateType = CertificateType::Distribution;

async fn open_twice() -> (TeamStore, TeamStore) {
    let url = super::memory_url();
    let alice = MemberKey::generate();
    let first = TeamStore::init(
        &url,
        &options("runner-1"),
        InitOptions::new().member(member("alice", &alice)),
    )
    .await
    .unwrap();
    let second = TeamStore::open(&url, &options("runner-2")).await.unwrap();
    (first, second)
}

fn acquired(attempt: LeaseAttempt) -> Lease {
    match attempt {
        LeaseAttempt::Acquired(lease) => lease,
        LeaseAttempt::Held(held) => panic!("expected the lease, {} holds it", held.holder),
    }
}

fn held(attempt: LeaseAttempt) -> crate::HeldLease {
    match attempt {
        LeaseAttempt::Held(held) => held,
        LeaseAttempt::Acquired(lease) => panic!("expected a held lease, got {lease:?}"),
    }
}

#[tokio::test]
async fn one_holder_at_a_time_and_release_hands_over() {
    let (first, second) = open_twice().await;
    let ttl = Duration::from_secs(60);
    let lease = acquired(first.take_lease(&DISTRIBUTION, ttl).await.unwrap());
    assert_eq!(lease.acquisition(), &Acquisition::Created);
    assert_eq!(lease.holder().actor, "runner-1");
    assert_eq!(lease.holder().pid, std::process::id());
    assert!(lease.remaining() > Duration::from_secs(59));

    let other = held(second.take_lease(&DISTRIBUTION, ttl).await.unwrap());
    assert_eq!(&other.holder, lease.holder());
    assert!(other.takeover_in <= ttl && other.takeover_in > Duration::from_secs(59));
    // Another type is independent.
    acquired(
        second
            .take_lease(&CertificateType::Development, ttl)
            .await
            .unwrap(),
    );

    let holder = lease.holder().clone();
    assert_eq!(first.release_lease(lease).await.unwrap(), Release::Released);
    let next = acquired(second.take_lease(&DISTRIBUTION, ttl).await.unwrap());
    assert_eq!(
        next.acquisition(),
        &Acquisition::AfterRelease { previous: holder }
    );
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_once_and_its_old_holder_learns_it() {
    let (first, second) = open_twice().await;
    let ttl = Duration::from_millis(300);
    let mut stale = acquired(first.take_lease(&DISTRIBUTION, ttl).await.unwrap());
    // The second runner has watched the lease for less than its time-to-live: held.
    let seen = held(second.take_lease(&DISTRIBUTION, ttl).await.unwrap());
    assert!(seen.takeover_in <= ttl);
    // A renewal is a new version: the watch starts again.
    tokio::time::sleep(Duration::from_millis(200)).await;
    first.renew_lease(&mut stale).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    held(second.take_lease(&DISTRIBUTION, ttl).await.unwrap());
    // The holder stops renewing: after a whole time-to-live unchanged, the lease is taken over.
    tokio::time::sleep(ttl).await;
    assert_eq!(stale.remaining(), Duration::ZERO);
    let lease = acquired(
        second
            .take_lease(&DISTRIBUTION, Duration::from_secs(60))
            .await
            .unwrap(),
    );
    assert_eq!(
        lease.acquisition(),
        &Acquisition::TakenOver {
            previous: stale.holder().clone()
        }
    );

    let error = first.renew_lease(&mut stale).await.unwrap_err();
    assert!(
        matches!(&error, TeamError::Conflict { holder, .. } if holder == lease.holder()),
        "{error:?}"
    );
    assert!(error.to_string().contains("is held by runner-2 on"), "{error}");
    assert_eq!(
        first.release_lease(stale).await.unwrap(),
        Release::TakenOver {
            holder: lease.holder().clone()
        }
    );
    // The old holder's release changed nothing: the new holder still holds it.
    held(first.take_lease(&DISTRIBUTION, ttl).await.unwrap());
    assert_eq!(second.release_lease(lease).await.unwrap(), Release::Released);
}

#[tokio::test]
async fn a_lease_abandoned_long_ago_by_the_stores_clock_is_taken_at_once() {
    let url = super::memory_url();
    let alice = MemberKey::generate();
    let first = TeamStore::init(
        &url,
        &options("crashed"),
        InitOptions::new().member(member("alice", &alice)),
    )
    .await
    .unwrap();
    let ttl = Duration::from_millis(100);
    acquired(first.take_lease(&DISTRIBUTION, ttl).await.unwrap());
    tokio::time::sleep(Duration::from_millis(150)).await;
    // A fresh runner has watched nothing; with the default tolerance (15 minutes) it must wait…
    let patient = TeamStore::open(&url, &StoreOptions::new()).await.unwrap();
    let seen = held(patient.take_lease(&DISTRIBUTION, ttl).await.unwrap());
    assert!(seen.takeover_in > Duration::ZERO);
    // …but once the last write is older than ttl + tolerance by the store's clock, it need not.
    let trusting = TeamStore::open(
        &url,
        &StoreOptions::new().with_clock_tolerance(Duration::from_millis(10)),
    )
    .await
    .unwrap();
    let lease = acquired(trusting.take_lease(&DISTRIBUTION, ttl).await.unwrap());
    assert!(matches!(lease.acquisition(), Acquisition::TakenOver { .. }));
}

#[tokio::test]
async fn a_lost_answer_is_recognised_as_our_own_write() {
    let (objects, url) = TestObjects::register(Behaviour::Honest);
    let alice = MemberKey::generate();
    let store = TeamStore::init(
        &url,
        &options("runner"),
        InitOptions::new().member(member("alice", &alice)),
    )
    .await
    .unwrap();
    let other = TeamStore::open(&url, &options("other")).await.unwrap();
    // Run the probe first, so the lost answer hits the lease itself.
    store.check_conditional_writes().await.unwrap();
    objects.set(Behaviour::LosesNextAnswer);
    let mut lease = acquired(
        store
            .take_lease(&DISTRIBUTION, Duration::from_secs(60))
            .await
            .unwrap(),
    );
    held(
        other
            .take_lease(&DISTRIBUTION, Duration::from_secs(60))
            .await
            .unwrap(),
    );
    objects.set(Behaviour::LosesNextAnswer);
    store.renew_lease(&mut lease).await.unwrap();
    objects.set(Behaviour::LosesNextAnswer);
    assert_eq!(store.release_lease(lease).await.unwrap(), Release::Released);
    acquired(
        other
            .take_lease(&DISTRIBUTION, Duration::from_secs(60))
            .await
            .unwrap(),
    );
}

#[tokio::test]
async fn a_backend_that_ignores_conditions_is_refused_before_any_lease_is_written() {
    let (objects, url) = TestObjects::register(Behaviour::IgnoresConditions);
    let alice = MemberKey::generate();
    // init's create-if-absent is not honoured either, but a lone init still works.
    let store = TeamStore::init(
        &url,
        &options("runner"),
        InitOptions::new().member(member("alice", &alice)),
    )
    .await
    .unwrap();
    let before = snapshot(&store).await;
    let error = store
        .take_lease(&DISTRIBUTION, Duration::from_secs(60))
        .await
        .unwrap_err();
    assert!(matches!(error, TeamError::UnsupportedBackend { .. }), "{error:?}");
    assert!(error.to_string().contains("ignores If-None-Match"), "{error}");
    assert_eq!(
        snapshot(&store).await,
        before,
        "the probe is removed and no lease written"
    );
    assert!(
        objects
            .written
            .lock()
            .unwrap()
            .iter()
            .all(|(name, _)| !name.contains("leases/")),
        "no lease was ever written"
    );
}

#[tokio::test]
async fn bad_arguments_are_refused() {
    let (store, _) = open_twice().await;
    let error = store.take_lease(&DISTRIBUTION, Duration::ZERO).await.unwrap_err();
    assert!(error.to_string().contains("time-to-live"), "{error}");
    let error = store
        .take_lease(&CertificateType::from("../x"), Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(matches!(error, TeamError::InvalidInput { .. }), "{error:?}");
}

/// 16 tasks, each with its own `TeamStore` (as separate runners have), take turns: a shared counter
/// proves that no two ever hold the lease at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_tasks_hold_the_lease_one_at_a_time() {
    let url = super::memory_url();
    let alice = MemberKey::generate();
    TeamStore::init(
        &url,
        &options("init"),
        InitOptions::new().member(member("alice", &alice)),
    )
    .await
    .unwrap();
    let holders = Arc::new(AtomicUsize::new(0));
    let turns = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for task in 0..16 {
        let url = url.clone();
        let holders = holders.clone();
        let turns = turns.clone();
        tasks.push(tokio::spawn(async move {
            let store = TeamStore::open(&url, &options(&format!("task-{task}")))
                .await
                .unwrap();
            loop {
                match store
                    .take_lease(&DISTRIBUTION, Duration::from_secs(30))
                    .await
                    .unwrap()
                {
                    LeaseAttempt::Acquired(lease) => {
                        assert_eq!(holders.fetch_add(1, Ordering::SeqCst), 0, "two holders at once");
                        tokio::task::yield_now().await;
                        turns.fetch_add(1, Ordering::SeqCst);
                        holders.fetch_sub(1, Ordering::SeqCst);
                        assert_eq!(store.release_lease(lease).await.unwrap(), Release::Released);
                        return;
                    }
                    LeaseAttempt::Held(_) => tokio::time::sleep(Duration::from_millis(2)).await,
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(turns.load(Ordering::SeqCst), 16);
}
