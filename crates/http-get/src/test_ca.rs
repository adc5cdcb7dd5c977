//! A certificate authority made on the spot, for `http-get serve --tls`
//! and the tests: a CA certificate a client can be told to trust
//! (`--cacert`), and server certificates it signs. Nothing is saved but
//! the CA's certificate, where asked; the keys live as long as the
//! process, so none can leak from the repository, and none expires under
//! a test.
//!
//! # Try it
//!
//! ```text
//! cargo run -q -p http-get -- serve --tls ca.pem --bind 127.0.0.1:8443   # one terminal
//! cargo run -q -p http-get -- --cacert ca.pem https://127.0.0.1:8443/hello.txt
//! ```

use std::sync::Arc;

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, CertifiedIssuer, DnType,
    IsCa, KeyPair, KeyUsagePurpose, date_time_ymd,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The name the CA gives itself (its subject, as `-v` shows it).
pub const CA_NAME: &str = "socket lessons test CA";

/// The name a server certificate gives its subject. What a client checks
/// is not this but the certificate's subject alternative names.
pub const SERVER_NAME: &str = "socket lessons test server";

/// The names a server certificate is made for unless told otherwise:
/// the loopback addresses and `localhost`.
pub const LOOPBACK_NAMES: [&str; 3] = ["127.0.0.1", "::1", "localhost"];

/// A CA and its key.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCa").finish_non_exhaustive()
    }
}

impl TestCa {
    /// A new CA, with a new key.
    pub fn new() -> anyhow::Result<TestCa> {
        let mut params = CertificateParams::new(Vec::new())?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        // What its key may sign: OpenSSL's strict checks (on by default in
        // Python 3.13's ssl) refuse a CA that does not say.
        params.key_usages =
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.distinguished_name.push(DnType::CommonName, CA_NAME);
        let issuer =
            CertifiedIssuer::self_signed(params, KeyPair::generate()?)?;
        Ok(TestCa { issuer })
    }

    /// The CA's certificate in PEM, what `--cacert` reads.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A new key, and a certificate for `names` signed by this CA, valid
    /// from `valid.0` to `valid.1` (1 January of each year) if given, else
    /// for rcgen's default span.
    fn issue(
        &self,
        names: &[&str],
        valid: Option<(i32, i32)>,
    ) -> anyhow::Result<(Certificate, KeyPair)> {
        let names: Vec<String> =
            names.iter().map(|&name| name.to_owned()).collect();
        let mut params = CertificateParams::new(names)?;
        params
            .distinguished_name
            .push(DnType::CommonName, SERVER_NAME);
        // Which key of the CA signed it. rustls does without; OpenSSL's
        // strict checks (Python 3.13's default) refuse a certificate that
        // does not say.
        params.use_authority_key_identifier_extension = true;
        if let Some((from, to)) = valid {
            params.not_before = date_time_ymd(from, 1, 1);
            params.not_after = date_time_ymd(to, 1, 1);
        }
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok((cert, key))
    }

    /// A server's TLS settings: a certificate from [`TestCa::issue`] and
    /// its key. The chain the server sends is its certificate, then the
    /// CA's.
    pub fn server(
        &self,
        names: &[&str],
        valid: Option<(i32, i32)>,
    ) -> anyhow::Result<Arc<rustls::ServerConfig>> {
        let (cert, key) = self.issue(names, valid)?;
        let chain = vec![
            CertificateDer::from(cert.der().to_vec()),
            CertificateDer::from(self.issuer.der().to_vec()),
        ];
        let key = PrivateKeyDer::try_from(key.serialize_der())
            .map_err(|why| anyhow::anyhow!("the server's key: {why}"))?;
        let provider = Arc::new(crate::tls::ring_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }

    /// A server certificate for `names` as PEM text, for a server we did
    /// not write (Python's `ssl`: `load_cert_chain(chain, key)`): the
    /// chain (the server's certificate, then this CA's) and the key.
    pub fn server_pem(
        &self,
        names: &[&str],
    ) -> anyhow::Result<(String, String)> {
        let (cert, key) = self.issue(names, None)?;
        Ok((cert.pem() + &self.issuer.pem(), key.serialize_pem()))
    }
}
