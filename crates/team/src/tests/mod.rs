//! Store-level unit tests on `memory://` and `file://` stores, and the helpers they share: test
//! identities (key + certificate), unique store URLs, and object stores that record or misbehave.

mod adversary;
mod identities;
mod leases;
mod members;
mod pending;
mod profiles;
mod prune;
mod secrecy;
mod wire;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use ascert_keystore::{CertificateInfo, PrivateKey};
use async_trait::async_trait;
use futures::stream::BoxStream;
use futures::{StreamExt as _, TryStreamExt as _};
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, GetResultPayload, ListResult, MultipartUpload, ObjectMeta,
    ObjectStore, PutMode, PutMultipartOptions, PutOptions, PutPayload, PutResult,
};

use crate::{InitOptions, Member, MemberKey, StoreOptions, StoreUrl, TeamStore};

/// A fresh `memory://` URL for one test.
pub(crate) fn memory_url() -> StoreUrl {
    format!("memory://{}/team", crate::lease::random_id().unwrap())
        .parse()
        .unwrap()
}

/// Options naming the actor, so records are predictable.
pub(crate) fn options(actor: &str) -> StoreOptions {
    StoreOptions::new().with_actor(actor)
}

/// A signing identity for tests: an RSA key (as Apple requires) and a self-signed certificate.
pub(crate) fn identity(name: &str) -> (PrivateKey, CertificateInfo) {
    let key = PrivateKey::generate_rsa_2048().unwrap();
    let pair = rcgen::KeyPair::try_from(key.pkcs8_der()).unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, format!("Apple Distribution: {name}"));
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&[0x5a, 0x17, 0x01]));
    params.not_after = rcgen::date_time_ymd(2030, 1, 2);
    let certificate = params.self_signed(&pair).unwrap();
    (key, CertificateInfo::from_der(certificate.der()).unwrap())
}

/// One identity shared by the tests that need just one (RSA generation takes a while in debug builds).
pub(crate) fn shared_identity() -> &'static (PrivateKey, CertificateInfo) {
    static ONE: OnceLock<(PrivateKey, CertificateInfo)> = OnceLock::new();
    ONE.get_or_init(|| identity("Example Ltd (TEAM123456)"))
}

/// A member named `name` for this key.
pub(crate) fn member(name: &str, key: &MemberKey) -> Member {
    Member::new(name, key.recipients()[0].clone())
}

/// A store at a fresh `memory://` URL with one member, `alice`.
pub(crate) async fn store_with(alice: &MemberKey) -> TeamStore {
    TeamStore::init(
        &memory_url(),
        &options("alice@laptop"),
        InitOptions::new().member(member("alice", alice)),
    )
    .await
    .unwrap()
}

/// Every object of a store with its bytes, for "nothing was written" comparisons.
pub(crate) async fn snapshot(store: &TeamStore) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let metas: Vec<ObjectMeta> = store.objects.list(None).try_collect().await.unwrap();
    for meta in metas {
        let bytes = store
            .objects
            .get_opts(&meta.location, GetOptions::default())
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        out.push((meta.location.to_string(), bytes.to_vec()));
    }
    out.sort();
    out
}

/// How a [`TestObjects`] store misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Behaviour {
    /// Like S3: conditional writes honoured.
    Honest,
    /// Like a service that ignores `If-None-Match` and `If-Match`: every write overwrites.
    IgnoresConditions,
    /// Applies the next conditional write, then answers as a retry of it would (the first answer
    /// lost): `AlreadyExists` for a create, `Precondition` for an update.
    LosesNextAnswer,
    /// Applies the next conditional write, then fails as a request that timed out would: the
    /// writer does not know it landed.
    TimesOutAfterNextWrite,
}

/// A write to hold up: after the first put whose path contains `pattern` is applied, the store says
/// so on `reached` and waits for `resume` before answering, so a test can act in between.
#[derive(Debug)]
pub(crate) struct Pause {
    pub(crate) pattern: String,
    pub(crate) reached: tokio::sync::oneshot::Sender<()>,
    pub(crate) resume: tokio::sync::oneshot::Receiver<()>,
}

/// An object made endless, as a hostile service could serve it: reads of a path containing
/// `pattern` announce `announced` bytes and stream zeros without end, counting what they serve.
#[derive(Debug)]
pub(crate) struct Endless {
    pub(crate) pattern: String,
    pub(crate) announced: u64,
    pub(crate) served: Arc<AtomicU64>,
}

/// An in-memory object store that records every payload written and can misbehave.
#[derive(Debug)]
pub(crate) struct TestObjects {
    inner: InMemory,
    pub(crate) written: Mutex<Vec<(String, Vec<u8>)>>,
    behaviour: Mutex<Behaviour>,
    pub(crate) pause: Mutex<Option<Pause>>,
    pub(crate) endless: Mutex<Option<Endless>>,
}

impl TestObjects {
    /// Registers a new one behind a fresh `memory://` URL.
    pub(crate) fn register(behaviour: Behaviour) -> (Arc<Self>, StoreUrl) {
        let objects = Arc::new(Self {
            inner: InMemory::new(),
            written: Mutex::default(),
            behaviour: Mutex::new(behaviour),
            pause: Mutex::default(),
            endless: Mutex::default(),
        });
        let name = crate::lease::random_id().unwrap();
        crate::backend::register_memory(&name, objects.clone());
        (objects, format!("memory://{name}").parse().unwrap())
    }

    pub(crate) fn set(&self, behaviour: Behaviour) {
        *self.behaviour.lock().unwrap() = behaviour;
    }
}

impl fmt::Display for TestObjects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TestObjects")
    }
}

#[async_trait]
impl ObjectStore for TestObjects {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        let bytes: Vec<u8> = payload.iter().flat_map(|chunk| chunk.to_vec()).collect();
        self.written.lock().unwrap().push((location.to_string(), bytes));
        let behaviour = *self.behaviour.lock().unwrap();
        match (behaviour, &opts.mode) {
            (Behaviour::IgnoresConditions, PutMode::Create | PutMode::Update(_)) => {
                self.inner
                    .put_opts(location, payload, PutMode::Overwrite.into())
                    .await
            }
            (Behaviour::TimesOutAfterNextWrite, PutMode::Create | PutMode::Update(_)) => {
                let result = self.inner.put_opts(location, payload, opts).await?;
                drop(result);
                self.set(Behaviour::Honest);
                Err(object_store::Error::Generic {
                    store: "TestObjects",
                    source: "the request timed out after the service applied it".into(),
                })
            }
            (Behaviour::LosesNextAnswer, PutMode::Create | PutMode::Update(_)) => {
                let create = matches!(opts.mode, PutMode::Create);
                let result = self.inner.put_opts(location, payload, opts).await?;
                drop(result);
                self.set(Behaviour::Honest);
                let source = "the answer to the first try was lost; this is the retry's".into();
                Err(if create {
                    object_store::Error::AlreadyExists {
                        path: location.to_string(),
                        source,
                    }
                } else {
                    object_store::Error::Precondition {
                        path: location.to_string(),
                        source,
                    }
                })
            }
            _ => {
                let result = self.inner.put_opts(location, payload, opts).await;
                let pause = {
                    let mut pause = self.pause.lock().unwrap();
                    if pause
                        .as_ref()
                        .is_some_and(|p| location.as_ref().contains(&p.pattern))
                    {
                        pause.take()
                    } else {
                        None
                    }
                };
                if let Some(pause) = pause {
                    let _ = pause.reached.send(());
                    let _ = pause.resume.await;
                }
                result
            }
        }
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> object_store::Result<GetResult> {
        const CHUNK: usize = 64 * 1024;
        let endless = self
            .endless
            .lock()
            .unwrap()
            .as_ref()
            .filter(|e| location.as_ref().contains(&e.pattern))
            .map(|e| (e.announced, e.served.clone()));
        let mut result = self.inner.get_opts(location, options).await?;
        if let Some((announced, served)) = endless {
            result.meta.size = announced;
            result.range = 0..announced;
            result.payload = GetResultPayload::Stream(
                futures::stream::repeat_with(move || {
                    served.fetch_add(CHUNK as u64, Ordering::Relaxed);
                    Ok(vec![0_u8; CHUNK].into())
                })
                .boxed(),
            );
        }
        Ok(result)
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> object_store::Result<()> {
        self.inner.copy_opts(from, to, options).await
    }
}

#[test]
fn test_identities_are_what_apple_issues_in_shape() {
    let (key, certificate) = shared_identity();
    assert_eq!(key.bits(), 2048);
    assert_eq!(certificate.key_id(), key.id());
    assert_eq!(certificate.serial(), "5A1701");
    // Unused stream helpers keep their imports honest.
    let _ = futures::stream::empty::<()>().boxed();
}
