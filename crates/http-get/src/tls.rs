//! `https://`: TLS as a stream inside the stream.
//!
//! TLS sits between TCP and HTTP. Before the first byte of the request, a
//! handshake: the client says which versions and ciphers it speaks and
//! which host it wants (SNI); the server answers with its certificate
//! chain and both agree on keys. From then on every write is cut into
//! encrypted records, and every read takes records apart. The request,
//! the head parser and the body readers do not change: they work on any
//! `Read + Write`, and [`Transport`] is one, plain or encrypted.
//!
//! The handshake, the records and the certificate checks are rustls's
//! work. What is ours is what a client must decide: whom to trust
//! (Mozilla's roots, and `--cacert`), which name to check the
//! certificate against (the URL's host), and when a body that ends at
//! the close is whole: only after the server's `close_notify`.
//!
//! # Try it
//!
//! ```text
//! cargo run -q -p http-get -- serve --tls target/ca.pem --bind 127.0.0.1:8443   # one terminal
//! cargo run -q -p http-get -- -v --cacert target/ca.pem https://127.0.0.1:8443/hello.txt
//! ```

use std::io::{self, Read, Write};
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, LazyLock};

use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{
    CertificateError, ClientConfig, ClientConnection, RootCertStore,
    StreamOwned,
};

use x509_parser::prelude::{FromDer, X509Certificate};

use crate::clock::TimedStream;

// ANCHOR: transport
/// A connection: TCP, or TLS over TCP. Either way, every read and write
/// is on the transfer's clock.
#[derive(Debug)]
pub enum Transport {
    /// `http://`: the socket itself.
    Plain(TimedStream),
    /// `https://`: records over the socket.
    Tls(Box<StreamOwned<ClientConnection, TimedStream>>),
}

impl Read for Transport {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Transport::Plain(stream) => stream.read(buf),
            // Ok(0) only after the server's close_notify: a connection
            // that just ends is an error, so a body that runs until the
            // close cannot be cut short unnoticed (by a fault, or by an
            // attacker who forges a FIN: TCP's end is not encrypted).
            Transport::Tls(stream) => stream.read(buf).map_err(|err| {
                if err.kind() == io::ErrorKind::UnexpectedEof {
                    io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the server closed the connection without TLS's \
                         close_notify: what came may be cut short",
                    )
                } else {
                    err
                }
            }),
        }
    }
}

// ANCHOR_END: transport

impl Write for Transport {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Transport::Plain(stream) => stream.write(buf),
            Transport::Tls(stream) => stream.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Transport::Plain(stream) => stream.flush(),
            Transport::Tls(stream) => stream.flush(),
        }
    }
}

// ANCHOR: trust
/// The TLS settings when no `--cacert` is given: Mozilla's roots.
pub fn default_config() -> Arc<ClientConfig> {
    static DEFAULT: LazyLock<Arc<ClientConfig>> =
        LazyLock::new(|| Arc::new(config_with(mozilla_roots())));
    Arc::clone(&DEFAULT)
}

/// Mozilla's roots, plus the CAs in each PEM file of `cacerts`
/// (`--cacert`, as curl spells it).
pub fn client_config(
    cacerts: &[impl AsRef<Path>],
) -> anyhow::Result<Arc<ClientConfig>> {
    if cacerts.is_empty() {
        return Ok(default_config());
    }
    let mut roots = mozilla_roots();
    for path in cacerts {
        let path = path.as_ref();
        let certs: Vec<CertificateDer> = CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect())
            .with_context(|| {
                format!("--cacert {}: not a readable PEM file", path.display())
            })?;
        if certs.is_empty() {
            anyhow::bail!(
                "--cacert {}: no certificate in it (a PEM file holds \
                 -----BEGIN CERTIFICATE----- blocks)",
                path.display()
            );
        }
        for cert in certs {
            roots.add(cert).with_context(|| {
                format!(
                    "--cacert {}: a certificate rustls cannot use",
                    path.display()
                )
            })?;
        }
    }
    Ok(Arc::new(config_with(roots)))
}

fn mozilla_roots() -> RootCertStore {
    RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}
// ANCHOR_END: trust

// ANCHOR: config
fn config_with(roots: RootCertStore) -> ClientConfig {
    let provider = Arc::new(ring_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports TLS 1.2 and 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth();
    // This client speaks HTTP/1.1 only, and says so in the handshake
    // (ALPN): the server confirms it, or one that speaks only HTTP/2
    // fails the handshake instead of answering in frames we cannot read.
    // (Without ALPN no server may choose HTTP/2 over TLS: RFC 9113 §3.3.)
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}
// ANCHOR_END: config

/// The cryptography: ring's. rustls 0.23.48 marks it deprecated because
/// ring has no post-quantum key exchange (X25519MLKEM768); the default
/// provider that has one, aws-lc-rs, needs cmake to build on some systems,
/// and ring builds wherever a C compiler does. The key exchange is then
/// X25519 or a NIST curve, as in most of today's TLS (against `serve
/// --tls`, whose ring lists P-384 first, it is P-384).
#[allow(deprecated)]
pub fn ring_provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

// ANCHOR: handshake
/// Starts TLS on `stream` for `host` and completes the handshake, so that
/// a certificate the client does not trust fails here, with its reason,
/// before a byte of the request is sent.
pub fn handshake(
    mut stream: TimedStream,
    host: &str,
    config: Arc<ClientConfig>,
) -> anyhow::Result<StreamOwned<ClientConnection, TimedStream>> {
    // The name the certificate must be for, and the SNI the server is
    // told: the URL's host ([::1] without its brackets).
    let name = host.trim_start_matches('[').trim_end_matches(']');
    let server_name = ServerName::try_from(name.to_owned())
        .with_context(|| format!("{host} is not a name TLS can check"))?;
    let mut conn =
        ClientConnection::new(config, server_name).context("starting TLS")?;
    while conn.is_handshaking() {
        conn.complete_io(&mut stream)
            .map_err(|err| handshake_failed(err, host))?;
    }
    Ok(StreamOwned::new(conn, stream))
}
// ANCHOR_END: handshake

// ANCHOR: describe
/// What `-v` shows of a finished handshake: the version and cipher suite
/// agreed, the application protocol, and each certificate the server
/// sent, its own first, each named by its subject and its issuer.
pub fn describe(conn: &ClientConnection) -> Vec<String> {
    let version = match conn.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLS 1.3",
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLS 1.2",
        _ => "an unknown version",
    };
    let suite = conn
        .negotiated_cipher_suite()
        .and_then(|suite| suite.suite().as_str())
        .unwrap_or("an unknown cipher suite");
    let alpn = conn.alpn_protocol().map_or_else(
        || "no ALPN".to_owned(),
        |alpn| format!("ALPN {}", String::from_utf8_lossy(alpn)),
    );
    let mut lines = vec![format!("{version}, {suite}, {alpn}")];
    let chain = conn.peer_certificates().unwrap_or_default();
    for (i, cert) in chain.iter().enumerate() {
        lines.push(match X509Certificate::from_der(cert) {
            Ok((_, cert)) => format!(
                "certificate {i}: {} (issued by {})",
                cert.subject(),
                cert.issuer()
            ),
            Err(_) => format!("certificate {i}: not readable"),
        });
    }
    lines
}
// ANCHOR_END: describe

/// A failed handshake, in one line that says what to do.
fn handshake_failed(err: io::Error, host: &str) -> anyhow::Error {
    let tls = err
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    let why = match tls {
        Some(rustls::Error::InvalidCertificate(cert)) => {
            certificate_problem(cert, host)
        }
        Some(rustls::Error::InvalidMessage(_)) => format!(
            "the server does not speak TLS (a plain http:// server on this \
             port?): {err}"
        ),
        Some(other) => format!("the TLS handshake failed: {other}"),
        None if err.kind() == io::ErrorKind::UnexpectedEof => {
            "the server closed the connection during the TLS handshake"
                .to_owned()
        }
        None => format!("the TLS handshake failed: {err}"),
    };
    anyhow::anyhow!("{why}")
}

/// What is wrong with a certificate, and what to do about it.
fn certificate_problem(cert: &CertificateError, host: &str) -> String {
    match cert {
        CertificateError::UnknownIssuer => format!(
            "the certificate of {host} is signed by an authority this client \
             does not trust; to trust your own CA, pass --cacert CA.pem"
        ),
        CertificateError::NotValidForNameContext { presented, .. } => {
            let names: Vec<String> =
                presented.iter().map(|name| bare_name(name)).collect();
            format!(
                "the certificate is for {}, not for {host}",
                names.join(", ")
            )
        }
        CertificateError::NotValidForName => {
            format!("the certificate is not for {host}")
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            format!(
                "the certificate of {host} has expired (its notAfter date \
                 has passed: the server must renew it, or this machine's \
                 clock is wrong)"
            )
        }
        CertificateError::NotValidYet
        | CertificateError::NotValidYetContext { .. } => format!(
            "the certificate of {host} is not valid yet (its notBefore date \
             is to come: is this machine's clock right?)"
        ),
        other => format!("the certificate of {host} is not valid: {other:?}"),
    }
}

/// A name as a certificate presents it, without the wrapper rustls
/// reports it in: `DnsName("files.example")` is `files.example`, and
/// `IpAddress(0::1)` is `::1`, in its usual text form.
fn bare_name(presented: &str) -> String {
    let inside = |prefix: &str, suffix: &str| {
        presented.strip_prefix(prefix)?.strip_suffix(suffix)
    };
    if let Some(name) = inside("DnsName(\"", "\")") {
        return name.to_owned();
    }
    if let Some(ip) = inside("IpAddress(", ")") {
        return ip
            .parse::<IpAddr>()
            .map_or(ip.to_owned(), |ip| ip.to_string());
    }
    presented.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presented_names_are_shown_bare() {
        assert_eq!(bare_name("DnsName(\"files.example\")"), "files.example");
        assert_eq!(bare_name("IpAddress(127.0.0.1)"), "127.0.0.1");
        // rustls-webpki writes the IPv6 loopback so.
        assert_eq!(bare_name("IpAddress(0::1)"), "::1");
        assert_eq!(bare_name("something else"), "something else");
    }
}
