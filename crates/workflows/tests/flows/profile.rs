//! `ensure_profile` against a fake App Store Connect that keeps profiles, bundle IDs and devices in
//! memory and counts what it is asked: reuse on the fast path, each reason a profile is made again
//! (and only the profile of ascert's name is deleted), and each refusal before anything is made.

use std::sync::Mutex;

use ascert_models::jsonapi::{ToMany, ToOne};
use ascert_models::{
    BundleId, BundleIdPlatform, CertificateType, Device, DeviceClass, DeviceStatus, PagingInformation,
    Profile, ProfileCreateRequest, ProfileState, ProfileType, ResourceIdentifier,
};
use ascert_workflows::{
    Error, Event, Events, Listed, ProfileOutcome, ProfileRequest, Provisioning, ensure_profile,
};
use time::{Duration, OffsetDateTime};

#[derive(Default)]
struct State {
    profiles: Vec<Profile>,
    bundle_ids: Vec<BundleId>,
    devices: Vec<Device>,
    calls: Vec<String>,
    next: u32,
    /// Another runner makes the profile just before this one's create arrives.
    race: bool,
}

#[derive(Default)]
struct FakeApple {
    state: Mutex<State>,
}

impl FakeApple {
    fn with_bundle(identifier: &str, platform: BundleIdPlatform) -> Self {
        let fake = Self::default();
        let mut bundle = BundleId::new("B1");
        bundle.attributes.identifier = Some(identifier.to_owned());
        bundle.attributes.platform = Some(platform);
        fake.state.lock().unwrap().bundle_ids.push(bundle);
        fake
    }

    fn device(&self, id: &str, class: DeviceClass, status: DeviceStatus) {
        let mut device = Device::new(id);
        device.attributes.platform = Some(if class == DeviceClass::Mac {
            BundleIdPlatform::MacOs
        } else {
            BundleIdPlatform::Ios
        });
        device.attributes.device_class = Some(class);
        device.attributes.status = Some(status);
        self.state.lock().unwrap().devices.push(device);
    }

    fn calls(&self) -> Vec<String> {
        std::mem::take(&mut self.state.lock().unwrap().calls)
    }

    fn profiles(&self) -> Vec<Profile> {
        self.state.lock().unwrap().profiles.clone()
    }

    fn set(&self, id: &str, change: impl FnOnce(&mut Profile)) {
        let mut state = self.state.lock().unwrap();
        change(state.profiles.iter_mut().find(|p| p.id == id).unwrap());
    }
}

/// Makes the profile `request` asks for, as Apple would.
fn make(state: &mut State, request: &ProfileCreateRequest) -> Profile {
    state.next += 1;
    let id = format!("P{}", state.next);
    let relationships = &request.data.relationships;
    let mut profile = Profile::new(&id);
    profile.attributes.name = Some(request.data.attributes.name.clone());
    profile.attributes.profile_type = Some(request.data.attributes.profile_type.clone());
    profile.attributes.profile_state = Some(ProfileState::Active);
    profile.attributes.profile_content = Some("AQID".to_owned());
    profile.attributes.expiration_date = Some(OffsetDateTime::now_utc() + Duration::days(365));
    let mut links = ascert_models::ProfileRelationships::default();
    links.bundle_id = Some(ToOne::to(relationships.bundle_id.data.clone()));
    links.certificates = Some(ToMany::to(relationships.certificates.data.clone()));
    links.devices = relationships.devices.as_ref().map(|d| ToMany::to(d.data.clone()));
    profile.relationships = Some(links);
    state.profiles.push(profile.clone());
    profile
}

fn linkage<K: Default>(ids: &[String], limit: usize) -> ToMany<K> {
    let mut many = ToMany::to(ids.iter().take(limit).map(ResourceIdentifier::new).collect());
    let mut paging = PagingInformation::default();
    paging.paging.limit = u32::try_from(limit).unwrap();
    paging.paging.total = Some(u64::try_from(ids.len()).unwrap());
    many.meta = Some(paging);
    many
}

impl Provisioning for FakeApple {
    async fn profiles_of_type(&self, profile_type: &ProfileType) -> Result<Listed, ascert_profiles::Error> {
        let mut state = self.state.lock().unwrap();
        state.calls.push(format!("list {profile_type}"));
        let mut listed = Listed::default();
        listed.profiles = state
            .profiles
            .iter()
            .filter(|p| p.attributes.profile_type.as_ref() == Some(profile_type))
            .cloned()
            .collect();
        // As Apple: the list's linkage holds at most 2 devices here (50 at Apple).
        for profile in &mut listed.profiles {
            let relationships = profile.relationships.as_mut().unwrap();
            if let Some(devices) = relationships.devices.as_mut() {
                let all: Vec<String> = devices.data.take().unwrap().into_iter().map(|d| d.id).collect();
                *devices = linkage(&all, 2);
            }
        }
        listed.bundle_ids.clone_from(&state.bundle_ids);
        Ok(listed)
    }

    async fn bundle_id(&self, identifier: &str) -> Result<Option<BundleId>, ascert_profiles::Error> {
        let mut state = self.state.lock().unwrap();
        state.calls.push(format!("bundle {identifier}"));
        Ok(state
            .bundle_ids
            .iter()
            .find(|b| b.attributes.identifier.as_deref() == Some(identifier))
            .cloned())
    }

    async fn enabled_devices(
        &self,
        platform: &BundleIdPlatform,
    ) -> Result<Vec<Device>, ascert_profiles::Error> {
        let mut state = self.state.lock().unwrap();
        state.calls.push(format!("devices {platform}"));
        Ok(state
            .devices
            .iter()
            .filter(|d| d.attributes.platform.as_ref() == Some(platform) && d.is_enabled())
            .cloned()
            .collect())
    }

    async fn profile_device_ids(&self, profile_id: &str) -> Result<Vec<String>, ascert_profiles::Error> {
        let mut state = self.state.lock().unwrap();
        state.calls.push(format!("profile devices {profile_id}"));
        let profile = state.profiles.iter().find(|p| p.id == profile_id).unwrap();
        Ok(profile.device_ids().map(str::to_owned).collect())
    }

    async fn profile_certificate_ids(&self, profile_id: &str) -> Result<Vec<String>, ascert_profiles::Error> {
        let mut state = self.state.lock().unwrap();
        state.calls.push(format!("profile certificates {profile_id}"));
        let profile = state.profiles.iter().find(|p| p.id == profile_id).unwrap();
        Ok(profile.certificate_ids().map(str::to_owned).collect())
    }

    async fn create_profile(&self, request: ProfileCreateRequest) -> Result<Profile, ascert_profiles::Error> {
        let mut state = self.state.lock().unwrap();
        let name = request.data.attributes.name.clone();
        if std::mem::take(&mut state.race) {
            // The other runner's create arrives first; this one's is refused for the name, as Apple does.
            make(&mut state, &request);
            state.calls.push(format!("create {name} (refused: taken)"));
            return Err(name_taken(&name));
        }
        if state
            .profiles
            .iter()
            .any(|p| p.attributes.name.as_deref() == Some(name.as_str()))
        {
            return Err(name_taken(&name));
        }
        state.calls.push(format!("create {name}"));
        Ok(make(&mut state, &request))
    }

    async fn delete_profile(&self, id: &str) -> Result<(), ascert_profiles::Error> {
        let mut state = self.state.lock().unwrap();
        state.calls.push(format!("delete {id}"));
        state.profiles.retain(|p| p.id != id);
        Ok(())
    }
}

/// App Store Connect's 409 for a profile name in use.
fn name_taken(name: &str) -> ascert_profiles::Error {
    let error = ascert_models::ApiError::new(
        409,
        "ENTITY_ERROR.ATTRIBUTE.INVALID",
        "An attribute value is invalid.",
        format!(
            "Multiple profiles found with the name '{name}'.  Please remove the duplicate profiles and try again."
        ),
    );
    ascert_transport::Error::Api {
        method: ascert_transport::Method::POST,
        url: "https://api.appstoreconnect.apple.com/v1/profiles".to_owned(),
        status: 409,
        errors: ascert_models::ErrorResponse::new(vec![error]),
        retry_after: None,
        rate_limit: None,
    }
    .into()
}

/// Keeps the events, to check what a caller is told.
#[derive(Default)]
struct Kept(Mutex<Vec<String>>);

impl Events for Kept {
    fn event(&self, event: Event) {
        if let Event::ProfileReplaced { id, why, .. } = event {
            self.0.lock().unwrap().push(format!("{id} {why:?}"));
        }
    }
}

fn store_request() -> ProfileRequest {
    ProfileRequest::new(
        "com.example.app",
        ProfileType::IosAppStore,
        "C1",
        CertificateType::Distribution,
    )
    .with_min_days_left(30)
}

#[tokio::test]
async fn a_fitting_profile_is_reused_with_one_call_and_a_misfit_is_made_again_under_its_name() {
    let apple = FakeApple::with_bundle("com.example.app", BundleIdPlatform::Ios);
    let events = Kept::default();
    let first = ensure_profile(&apple, &store_request(), &events).await.unwrap();
    assert_eq!(first.outcome, ProfileOutcome::Created);
    assert_eq!(
        first.profile.attributes.name.as_deref(),
        Some("ascert IOS_APP_STORE com.example.app")
    );
    assert_eq!(
        apple.calls(),
        [
            "list IOS_APP_STORE",
            "create ascert IOS_APP_STORE com.example.app"
        ]
    );

    let again = ensure_profile(&apple, &store_request(), &events).await.unwrap();
    assert_eq!(
        (again.outcome, again.profile.id.as_str()),
        (ProfileOutcome::Reused, "P1")
    );
    assert_eq!(apple.calls(), ["list IOS_APP_STORE"], "the fast path is one call");

    // Revoking the certificate turns the profile INVALID: the next run deletes it and makes it again.
    apple.set("P1", |p| p.attributes.profile_state = Some(ProfileState::Invalid));
    let replaced = ensure_profile(&apple, &store_request(), &events).await.unwrap();
    assert_eq!(
        (replaced.outcome, replaced.profile.id.as_str()),
        (ProfileOutcome::Created, "P2")
    );
    assert_eq!(replaced.replaced.len(), 1);
    assert_eq!(
        apple.calls(),
        [
            "list IOS_APP_STORE",
            "delete P1",
            "create ascert IOS_APP_STORE com.example.app"
        ]
    );

    // Too close to expiry, or another certificate: made again too.
    apple.set("P2", |p| {
        p.attributes.expiration_date = Some(OffsetDateTime::now_utc() + Duration::days(10));
    });
    ensure_profile(&apple, &store_request(), &events).await.unwrap();
    let renewed = ProfileRequest::new(
        "com.example.app",
        ProfileType::IosAppStore,
        "C2",
        CertificateType::Distribution,
    );
    let with_c2 = ensure_profile(&apple, &renewed, &events).await.unwrap();
    assert_eq!(with_c2.profile.certificate_ids().collect::<Vec<_>>(), ["C2"]);
    assert_eq!(
        *events.0.lock().unwrap(),
        [
            "P1 Invalid",
            "P2 ExpiresTooSoon { days_left: 9 }",
            "P3 MissingCertificate"
        ]
    );
    assert_eq!(apple.profiles().len(), 1, "one profile of the name at a time");
}

#[tokio::test]
async fn profiles_of_other_names_are_left_alone() {
    let apple = FakeApple::with_bundle("com.example.app", BundleIdPlatform::Ios);
    let mine = store_request().with_name(Some("Release".to_owned()));
    ensure_profile(&apple, &mine, &ascert_workflows::NoEvents)
        .await
        .unwrap();
    apple.set("P1", |p| p.attributes.profile_state = Some(ProfileState::Invalid));
    // Another name: a new profile beside the invalid one, which is someone else's to remove.
    let created = ensure_profile(&apple, &store_request(), &ascert_workflows::NoEvents)
        .await
        .unwrap();
    assert!(created.replaced.is_empty());
    assert_eq!(apple.profiles().len(), 2);
}

#[tokio::test]
async fn development_profiles_hold_every_enabled_device_of_their_class() {
    let apple = FakeApple::with_bundle("com.example.app", BundleIdPlatform::Universal);
    apple.device("D1", DeviceClass::Iphone, DeviceStatus::Enabled);
    apple.device("D2", DeviceClass::Ipad, DeviceStatus::Enabled);
    apple.device("D3", DeviceClass::AppleTv, DeviceStatus::Enabled);
    apple.device("D4", DeviceClass::Iphone, DeviceStatus::Disabled);
    apple.device("D5", DeviceClass::Mac, DeviceStatus::Enabled);
    let request = ProfileRequest::new(
        "com.example.app",
        ProfileType::IosAppDevelopment,
        "C1",
        CertificateType::Development,
    );
    let made = ensure_profile(&apple, &request, &ascert_workflows::NoEvents)
        .await
        .unwrap();
    assert_eq!(
        made.profile.device_ids().collect::<Vec<_>>(),
        ["D1", "D2"],
        "no TV, disabled or Mac"
    );
    apple.calls();
    ensure_profile(&apple, &request, &ascert_workflows::NoEvents)
        .await
        .unwrap();
    assert_eq!(apple.calls().len(), 2, "the profiles and the devices, at once");

    // A third phone: the list shows 2 of the profile's devices, so it asks for them all, and finds one missing.
    apple.device("D6", DeviceClass::Iphone, DeviceStatus::Enabled);
    let events = Kept::default();
    let remade = ensure_profile(&apple, &request, &events).await.unwrap();
    assert_eq!(
        remade.profile.device_ids().collect::<Vec<_>>(),
        ["D1", "D2", "D6"]
    );
    assert_eq!(*events.0.lock().unwrap(), ["P1 MissingDevices { count: 1 }"]);
    apple.calls();
    // Now 3 devices, 2 shown in the list: the cut-short linkage is fetched in full, and fits.
    let reused = ensure_profile(&apple, &request, &ascert_workflows::NoEvents)
        .await
        .unwrap();
    assert_eq!(reused.outcome, ProfileOutcome::Reused);
    assert!(apple.calls().contains(&"profile devices P2".to_owned()));
}

#[tokio::test]
async fn refusals_name_what_is_wrong_before_anything_is_made() {
    let apple = FakeApple::with_bundle("com.example.mac", BundleIdPlatform::MacOs);
    let wrong_certificate = ProfileRequest::new(
        "com.example.app",
        ProfileType::IosAppStore,
        "C1",
        CertificateType::Development,
    );
    let err = ensure_profile(&apple, &wrong_certificate, &ascert_workflows::NoEvents)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::CertificateDoesNotFit { .. }), "{err}");
    assert!(apple.calls().is_empty(), "refused before asking");

    let err = ensure_profile(&apple, &store_request(), &ascert_workflows::NoEvents)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "no bundle ID com.example.app is registered with App Store Connect"
    );

    let mac_for_ios = ProfileRequest::new(
        "com.example.mac",
        ProfileType::IosAppStore,
        "C1",
        CertificateType::Distribution,
    );
    let err = ensure_profile(&apple, &mac_for_ios, &ascert_workflows::NoEvents)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BundleIdPlatform { .. }), "{err}");

    let ios = FakeApple::with_bundle("com.example.app", BundleIdPlatform::Ios);
    let adhoc = ProfileRequest::new(
        "com.example.app",
        ProfileType::IosAppAdhoc,
        "C1",
        CertificateType::Distribution,
    );
    let err = ensure_profile(&ios, &adhoc, &ascert_workflows::NoEvents)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NoDevices { .. }), "{err}");

    let err = ensure_profile(
        &ios,
        &store_request().read_only(true),
        &ascert_workflows::NoEvents,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::NoProfileUsable { .. }), "{err}");
    assert!(ios.profiles().is_empty());
}

#[tokio::test]
async fn a_profile_another_runner_made_meanwhile_is_reused_not_made_twice() {
    let apple = FakeApple::with_bundle("com.example.app", BundleIdPlatform::Ios);
    apple.state.lock().unwrap().race = true;
    let ensured = ensure_profile(&apple, &store_request(), &ascert_workflows::NoEvents)
        .await
        .unwrap();
    assert_eq!(
        (ensured.outcome, ensured.profile.id.as_str()),
        (ProfileOutcome::Reused, "P1")
    );
    assert_eq!(
        apple.calls(),
        [
            "list IOS_APP_STORE",
            "create ascert IOS_APP_STORE com.example.app (refused: taken)",
            "list IOS_APP_STORE"
        ]
    );
    assert_eq!(apple.profiles().len(), 1);
}
