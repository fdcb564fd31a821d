"""A full certificates run of codemagic-cli-tools' App Store Connect client against a sandbox.

codemagic-cli-tools (PyPI) is Codemagic's client, written against Apple and used in its CI builds.
This script uses it as its users do, through its public classes, and changes one thing only: the
client's base URL (`AppStoreConnectApiClient.API_URL`, the one place every request is built from).

It lists every certificate (following `links.next` over several pages), lists with a two-type
`filter[certificateType]`, reads one certificate, creates one from a CSR made by codemagic's own
helper, reads the issued certificate with `cryptography` (warnings are errors, so an over-long
name in the issuer fails), revokes it, and checks that it is gone. Every step asserts what a user
would see. It prints one JSON summary line on stdout; any failure exits non-zero with a traceback.

Inputs (environment): ASC_BASE_URL (no trailing slash), ASC_KEY_ID, ASC_ISSUER_ID,
ASC_PRIVATE_KEY_PATH (the AuthKey_<KID>.p8), ASC_EXPECTED_TOTAL (certificates the sandbox holds).
An HTTPS sandbox's CA is trusted the way requests trusts any private CA: REQUESTS_CA_BUNDLE.
"""

import importlib.metadata
import json
import os
import sys
import warnings

# An over-long X.509 name attribute is only a UserWarning in cryptography; make it fail the run.
warnings.simplefilter("error")

from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402

from codemagic.apple import AppStoreConnectApiClient, AppStoreConnectApiError  # noqa: E402
from codemagic.apple.app_store_connect.provisioning import SigningCertificates  # noqa: E402
from codemagic.apple.resources import CertificateType  # noqa: E402
from codemagic.models import Certificate, PrivateKey  # noqa: E402

TWO_TYPES = [CertificateType.IOS_DISTRIBUTION, CertificateType.DISTRIBUTION]


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def main():
    base_url = os.environ["ASC_BASE_URL"]
    expected_total = int(os.environ["ASC_EXPECTED_TOTAL"])
    with open(os.environ["ASC_PRIVATE_KEY_PATH"], encoding="ascii") as key_file:
        private_key = key_file.read()
    client = AppStoreConnectApiClient(
        os.environ["ASC_KEY_ID"],
        os.environ["ASC_ISSUER_ID"],
        private_key,
    )
    # The only change from a run against Apple.
    client.API_URL = f"{base_url}/v1"
    certificates = client.signing_certificates

    # List with every page: codemagic asks for 100 a page and follows links.next to the end.
    everything = certificates.list()
    ids = [c.id for c in everything]
    check(len(ids) == expected_total, f"listed {len(ids)} certificates, the sandbox holds {expected_total}")
    check(len(set(ids)) == len(ids), "a certificate was listed twice")

    # Two types in one filter: requests sends the comma list as IOS_DISTRIBUTION%2CDISTRIBUTION.
    wanted = {t.value for t in TWO_TYPES}
    filtered = certificates.list(resource_filter=SigningCertificates.Filter(certificate_type=TWO_TYPES))
    expected = sorted(c.id for c in everything if c.attributes.certificateType.value in wanted)
    check(expected, "the seeded certificates include the two filtered types")
    check(sorted(c.id for c in filtered) == expected, "the two-type filter returned other certificates")

    # Read one.
    first = everything[0]
    read = certificates.read(first.id)
    check(read.id == first.id, "read returned another certificate")
    check(read.attributes.serialNumber == first.attributes.serialNumber, "read returned another serial number")
    check(Certificate.from_ans1(read.asn1_content).serial == int(first.attributes.serialNumber, 16),
          "certificateContent does not carry serialNumber")

    # Create from a CSR made by codemagic's own helper, as `app-store-connect certificates create` does.
    key = PrivateKey(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    csr = Certificate.create_certificate_signing_request(key)
    created = certificates.create(CertificateType.DISTRIBUTION, Certificate.get_certificate_signing_request_content(csr))
    check(created.attributes.certificateType is CertificateType.DISTRIBUTION, "created a certificate of another type")
    issued = Certificate.from_ans1(created.asn1_content)
    check(issued.is_signed_with(key), "the issued certificate is not for the CSR's key")
    summary = issued.get_summary()  # parses subject and issuer names
    check(summary["common_name"] == created.attributes.name, "the certificate's common name is not its name")

    # Revoke it, and see it gone.
    certificates.delete(created.id)
    try:
        certificates.read(created.id)
    except AppStoreConnectApiError as error:
        check(error.status_code == 404, f"reading a revoked certificate answered {error.status_code}")
    else:
        raise AssertionError("a revoked certificate can still be read")
    check(len(certificates.list()) == expected_total, "the revoked certificate is still listed")

    print(json.dumps({
        "client_version": importlib.metadata.version("codemagic-cli-tools"),
        "listed": len(ids),
        "filtered": len(filtered),
        "read": read.id,
        "created": created.id,
        "created_name": created.attributes.name,
        "created_display_name": created.attributes.displayName,
        "issuer": summary["issuer"],
        "revoked": created.id,
    }))


if __name__ == "__main__":
    try:
        main()
    except AppStoreConnectApiError as error:
        # The client's own report of an API failure: method, URL, status and Apple's errors.
        print(f"codemagic-cli-tools: {error}", file=sys.stderr)
        raise
