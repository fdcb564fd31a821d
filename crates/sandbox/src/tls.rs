//! HTTPS for the sandbox: a throw-away TLS CA and a server certificate for `127.0.0.1` and
//! `localhost`, so clients can test their TLS path by trusting the CA's PEM.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::SandboxError;

fn crypto(action: &'static str) -> impl FnOnce(rcgen::Error) -> SandboxError {
    move |source| SandboxError::Crypto {
        action,
        source: Box::new(source),
    }
}

/// Builds the acceptor; returns it with the TLS CA certificate (PEM) clients must trust.
pub(crate) fn acceptor() -> Result<(TlsAcceptor, String), SandboxError> {
    let ca_key = KeyPair::generate().map_err(crypto("generate the TLS CA key"))?;
    let mut ca_params = CertificateParams::default();
    ca_params.distinguished_name = rcgen::DistinguishedName::new();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "ascert Sandbox TLS CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params
        .self_signed(&ca_key)
        .map_err(crypto("sign the TLS CA"))?;
    let issuer = Issuer::new(ca_params, ca_key);

    let key = KeyPair::generate().map_err(crypto("generate the TLS server key"))?;
    let mut params =
        CertificateParams::new(vec!["localhost".to_owned()]).map_err(crypto("name the TLS server"))?;
    params
        .subject_alt_names
        .push(SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()));
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, "localhost");
    params.use_authority_key_identifier_extension = true;
    let cert = params
        .signed_by(&key, &issuer)
        .map_err(crypto("sign the TLS server certificate"))?;

    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SandboxError::Tls(Box::new(e)))?
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .map_err(|e| SandboxError::Tls(Box::new(e)))?;
    Ok((TlsAcceptor::from(Arc::new(config)), ca_cert.pem()))
}

#[cfg(test)]
mod tests {
    use x509_parser::prelude::*;

    #[test]
    fn the_tls_ca_name_is_within_x520_bounds() {
        let (_, pem) = super::acceptor().unwrap();
        let (_, pem) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).unwrap();
        let (_, cert) = X509Certificate::from_der(&pem.contents).unwrap();
        crate::ca::tests::assert_name_within_bounds(cert.subject(), "TLS CA");
    }
}
