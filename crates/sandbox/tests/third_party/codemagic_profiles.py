"""A provisioning run of codemagic-cli-tools' App Store Connect client against a sandbox.

Like codemagic_client.py, it uses the client as its users do, through its public classes, and
changes one thing only: the client's base URL (`AppStoreConnectApiClient.API_URL`).

It registers a bundle ID and a device, creates a DISTRIBUTION and a DEVELOPMENT certificate from
CSRs made by codemagic's own helper, creates an IOS_APP_STORE and an IOS_APP_DEVELOPMENT profile,
lists profiles with a type and a state filter, reads one, follows a profile's relationships (its
certificates, devices and bundle ID, and the linkages behind them, as codemagic's
`fetch-signing-files` does), decodes each `profileContent` with codemagic's own
`ProvisioningProfile.from_content` and checks it against what the API said, revokes the
distribution certificate and sees the App Store profile turn INVALID, then deletes the development
profile and sees it gone. Every step asserts what a user would see. It prints one JSON summary line
on stdout; any failure exits non-zero with a traceback.

Inputs (environment): ASC_BASE_URL (no trailing slash), ASC_KEY_ID, ASC_ISSUER_ID,
ASC_PRIVATE_KEY_PATH (the AuthKey_<KID>.p8). An HTTPS sandbox's CA is trusted the way requests
trusts any private CA: REQUESTS_CA_BUNDLE.
"""

import importlib.metadata
import json
import os
import sys

from cryptography.hazmat.primitives.asymmetric import rsa

from codemagic.apple import AppStoreConnectApiClient, AppStoreConnectApiError
from codemagic.apple.app_store_connect.provisioning import Profiles
from codemagic.apple.resources import BundleIdPlatform, CertificateType, ProfileState, ProfileType, ResourceType
from codemagic.models import Certificate, PrivateKey, ProvisioningProfile

IDENTIFIER = "io.codemagic.sandbox.app"
UDID = "00008110-000A1B2C3D4E801E"


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def make_client():
    with open(os.environ["ASC_PRIVATE_KEY_PATH"], encoding="ascii") as key_file:
        private_key = key_file.read()
    client = AppStoreConnectApiClient(os.environ["ASC_KEY_ID"], os.environ["ASC_ISSUER_ID"], private_key)
    # The only change from a run against Apple.
    client.API_URL = f"{os.environ['ASC_BASE_URL']}/v1"
    return client


def certificate(client, certificate_type):
    """A new certificate of `certificate_type` from a CSR, as `app-store-connect certificates create` makes one."""
    key = PrivateKey(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    csr = Certificate.get_certificate_signing_request_content(Certificate.create_certificate_signing_request(key))
    created = client.signing_certificates.create(certificate_type, csr)
    check(created.attributes.certificateType is certificate_type, "created a certificate of another type")
    check(Certificate.from_ans1(created.asn1_content).is_signed_with(key), "the certificate is not for the CSR's key")
    return created


def decoded(profile, bundle_id, certificates, devices):
    """The profile's content read by codemagic, checked against what the API said of it."""
    content = ProvisioningProfile.from_content(profile.profile_content)
    check(content.name == profile.attributes.name, f"the content names {content.name}")
    check(content.uuid == profile.attributes.uuid, f"the content's UUID is {content.uuid}")
    check(content.team_identifier == bundle_id.attributes.seedId, f"the content's team is {content.team_identifier}")
    check(content.bundle_id == bundle_id.attributes.identifier, f"the content's bundle ID is {content.bundle_id}")
    pems = sorted(Certificate.from_ans1(c.asn1_content).as_pem() for c in certificates)
    check(sorted(c.as_pem() for c in content.certificates) == pems, "the content's certificates are others")
    check(content.provisioned_devices == [d.attributes.udid for d in devices], "the content's devices are others")
    return content


def follow_relationships(client, profile, bundle_id, certificate, device):
    """A profile's certificates, devices and bundle ID, by its id and by its relationship links."""
    profiles = client.profiles
    check([c.id for c in profiles.list_certificates(profile.id)] == [certificate.id], "other certificates")
    check([d.id for d in profiles.list_devices(profile.id)] == [device.id], "other devices")
    check(profiles.read_bundle_id(profile).id == bundle_id.id, "the profile names another bundle ID")
    # The linkages, each followed from the link the resource carries.
    check([c.id for c in profiles.list_certificate_ids(profile)] == [certificate.id], "other certificate ids")
    check([d.id for d in profiles.list_device_ids(profile)] == [device.id], "other device ids")
    linked = profiles.get_bundle_id_resource_id(profile)
    check(linked.id == bundle_id.id and linked.type is ResourceType.BUNDLE_ID, "the bundle ID linkage is another")


def main():
    client = make_client()

    bundle_id = client.bundle_ids.create(IDENTIFIER, "Codemagic sandbox app", BundleIdPlatform.IOS)
    check(bundle_id.attributes.identifier == IDENTIFIER, "registered another identifier")
    check(client.bundle_ids.read(bundle_id.id).id == bundle_id.id, "read another bundle ID")
    capabilities = client.bundle_ids.list_capability_ids(bundle_id)
    check(len(capabilities) == len(client.bundle_ids.list_capabilities(bundle_id)), "capability ids and capabilities differ")

    device = client.devices.create("QA iPhone", BundleIdPlatform.IOS, UDID)
    check(device.attributes.udid == UDID, "registered another UDID")

    distribution = certificate(client, CertificateType.DISTRIBUTION)
    development = certificate(client, CertificateType.DEVELOPMENT)
    listed = client.signing_certificates.list()
    check({distribution.id, development.id} <= {c.id for c in listed}, "a created certificate is not listed")

    store = client.profiles.create("Sandbox App Store", ProfileType.IOS_APP_STORE, bundle_id, [distribution], [])
    dev = client.profiles.create(
        "Sandbox Development", ProfileType.IOS_APP_DEVELOPMENT, bundle_id, [development], [device]
    )
    for profile in (store, dev):
        check(profile.attributes.profileState is ProfileState.ACTIVE, f"{profile.attributes.name} is not active")

    active_store = client.profiles.list(
        resource_filter=Profiles.Filter(profile_type=ProfileType.IOS_APP_STORE, profile_state=ProfileState.ACTIVE),
    )
    check([p.id for p in active_store] == [store.id], "the filtered list shows other profiles")
    read = client.profiles.read(dev.id)
    check(read.attributes.uuid == dev.attributes.uuid, "read another profile")
    check(sorted(p.id for p in client.bundle_ids.list_profile_ids(bundle_id)) == sorted([store.id, dev.id]),
          "the bundle ID's profile linkage lists other profiles")

    follow_relationships(client, read, bundle_id, development, device)
    check([c.id for c in client.profiles.list_certificates(store.id)] == [distribution.id], "other store certificates")
    check(client.profiles.list_devices(store.id) == [], "an App Store profile lists devices")
    store_content = decoded(store, bundle_id, [distribution], [])
    dev_content = decoded(read, bundle_id, [development], [device])

    # Revoking the certificate invalidates the profile that signs with it.
    client.signing_certificates.delete(distribution.id)
    check(client.profiles.read(store.id).attributes.profileState is ProfileState.INVALID, "the profile stayed ACTIVE")
    invalid = client.profiles.list(resource_filter=Profiles.Filter(profile_state=ProfileState.INVALID))
    check([p.id for p in invalid] == [store.id], "the INVALID filter shows other profiles")

    client.profiles.delete(dev.id)
    try:
        client.profiles.read(dev.id)
    except AppStoreConnectApiError as error:
        check(error.status_code == 404, f"reading a deleted profile answered {error.status_code}")
    else:
        raise AssertionError("a deleted profile can still be read")
    remaining = [p.id for p in client.profiles.list()]
    check(remaining == [store.id], f"after the delete the profiles are {remaining}")

    print(json.dumps({
        "client_version": importlib.metadata.version("codemagic-cli-tools"),
        "bundle_id": bundle_id.attributes.identifier,
        "capabilities": len(capabilities),
        "device_udid": device.attributes.udid,
        "profiles_created": [store.attributes.profileType.value, dev.attributes.profileType.value],
        "filtered": len(active_store),
        "store_content": {"name": store_content.name, "team": store_content.team_identifier,
                          "bundle_id": store_content.bundle_id, "devices": len(store_content.provisioned_devices)},
        "dev_content": {"name": dev_content.name, "devices": dev_content.provisioned_devices,
                        "certificates": len(dev_content.certificates)},
        "store_state_after_revoke": client.profiles.read(store.id).attributes.profileState.value,
        "remaining": remaining,
        "deleted": dev.id,
    }))


if __name__ == "__main__":
    try:
        main()
    except AppStoreConnectApiError as error:
        # The client's own report of an API failure: method, URL, status and Apple's errors.
        print(f"codemagic-cli-tools: {error}", file=sys.stderr)
        raise
