//! 16 tasks race for one lease against each server (moto, Azurite), each with its own `TeamStore` (its
//! own HTTP client, as separate runners have): a shared counter proves one holder at a time; and an
//! abandoned lease is taken over by exactly one of them.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Barrier;

use ascert_models::CertificateType;
use ascert_team::{Acquisition, InitOptions, LeaseAttempt, MemberKey, Release, TeamStore};

use crate::backends::{TestBackend, against_each_backend};
use crate::member;

const TASKS: usize = 16;
const DISTRIBUTION: CertificateType = CertificateType::Distribution;

async fn store<B: TestBackend>(server: &B, bucket: &str) -> ascert_team::StoreUrl {
    server.create_bucket(bucket).await;
    let url = server.url(bucket, "team");
    let alice = MemberKey::generate();
    TeamStore::init(
        &url,
        &server.options("init"),
        InitOptions::new().member(member("alice", &alice)),
    )
    .await
    .unwrap();
    url
}

/// One `TeamStore` per task, named `task-N`, each with its own HTTP client as separate runners have.
async fn open_each<B: TestBackend>(server: &B, url: &ascert_team::StoreUrl) -> Vec<TeamStore> {
    let mut stores = Vec::new();
    for task in 0..TASKS {
        let options = server.options(&format!("task-{task}"));
        stores.push(TeamStore::open(url, &options).await.unwrap());
    }
    stores
}

against_each_backend!(sixteen_tasks_hold_the_lease_one_at_a_time, worker_threads = 4);
async fn sixteen_tasks_hold_the_lease_one_at_a_time<B: TestBackend>() {
    let server = B::start().await;
    let url = store(&server, "race").await;
    let holders = Arc::new(AtomicUsize::new(0));
    let turns = Arc::new(AtomicUsize::new(0));
    let conflicts = Arc::new(AtomicUsize::new(0));
    let stores = open_each(&server, &url).await;
    // Every task leaves the barrier at once: the first takes really do race (opened one by one,
    // the early tasks could finish before the later ones start).
    let barrier = Arc::new(Barrier::new(TASKS));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (task, store) in stores.into_iter().enumerate() {
        let (holders, turns, conflicts) = (holders.clone(), turns.clone(), conflicts.clone());
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                assert!(Instant::now() < deadline, "task {task} never got the lease");
                match store
                    .take_lease(&DISTRIBUTION, Duration::from_secs(30))
                    .await
                    .unwrap()
                {
                    LeaseAttempt::Acquired(mut lease) => {
                        assert_eq!(holders.fetch_add(1, Ordering::SeqCst), 0, "two holders at once");
                        // Hold it across real requests: a renewal is a compare-and-swap too.
                        store.renew_lease(&mut lease).await.unwrap();
                        turns.fetch_add(1, Ordering::SeqCst);
                        assert_eq!(holders.fetch_sub(1, Ordering::SeqCst), 1);
                        assert_eq!(store.release_lease(lease).await.unwrap(), Release::Released);
                        return;
                    }
                    LeaseAttempt::Held(_) => {
                        conflicts.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                    _ => unreachable!(),
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(turns.load(Ordering::SeqCst), TASKS);
    crate::report(&format!(
        "{TASKS} tasks took the lease in turn against {} in {:?}; {} attempts found it held",
        B::NAME,
        started.elapsed(),
        conflicts.load(Ordering::SeqCst)
    ));
}

against_each_backend!(an_abandoned_lease_is_taken_over_exactly_once, worker_threads = 4);
async fn an_abandoned_lease_is_taken_over_exactly_once<B: TestBackend>() {
    let server = B::start().await;
    let url = store(&server, "takeover").await;
    // A runner takes the lease for one second and dies without renewing or releasing it.
    let crashed = TeamStore::open(&url, &server.options("crashed")).await.unwrap();
    let LeaseAttempt::Acquired(abandoned) = crashed
        .take_lease(&DISTRIBUTION, Duration::from_secs(1))
        .await
        .unwrap()
    else {
        panic!("the first take must succeed")
    };
    let dead = abandoned.holder().clone();
    drop(abandoned);

    let takeovers = Arc::new(AtomicUsize::new(0));
    let stores = open_each(&server, &url).await;
    let barrier = Arc::new(Barrier::new(TASKS));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (task, store) in stores.into_iter().enumerate() {
        let (takeovers, dead) = (takeovers.clone(), dead.clone());
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                assert!(
                    Instant::now() < deadline,
                    "task {task}: the lease was never taken over"
                );
                match store
                    .take_lease(&DISTRIBUTION, Duration::from_secs(60))
                    .await
                    .unwrap()
                {
                    LeaseAttempt::Acquired(lease) => {
                        assert_eq!(lease.acquisition(), &Acquisition::TakenOver { previous: dead });
                        takeovers.fetch_add(1, Ordering::SeqCst);
                        // Keep it: the others must see this holder, not take it again.
                        return Some(lease.holder().clone());
                    }
                    LeaseAttempt::Held(held) if held.holder == dead => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    LeaseAttempt::Held(_) => return None,
                    _ => unreachable!(),
                }
            }
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        winners.extend(task.await.unwrap());
    }
    assert_eq!(takeovers.load(Ordering::SeqCst), 1, "winners: {winners:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "taken over before it expired"
    );
    crate::report(&format!(
        "the abandoned 1 s lease was taken over against {} after {:?}",
        B::NAME,
        started.elapsed()
    ));
}
