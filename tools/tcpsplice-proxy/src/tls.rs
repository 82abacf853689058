// SPDX-License-Identifier: GPL-2.0
//! Reading a TLS ClientHello without decrypting anything, for routing by SNI
//! and ALPN (RFC 8446 sections 4.1.2 and 5.1, RFC 6066 section 3, RFC 7301).
//!
//! The ClientHello may span several records, and the records several TCP
//! segments: [`parse`] reassembles the handshake message from the records at
//! the start of the buffer and says when more bytes are needed. The bytes
//! themselves are forwarded to the backend untouched, which terminates TLS.
use tokio::io::AsyncRead;

const RECORD_HANDSHAKE: u8 = 22;
const RECORD_HEADER: usize = 5;
/// Largest plaintext record (RFC 8446 5.1).
const RECORD_MAX: usize = 16384;
const CLIENT_HELLO: u8 = 1;
const EXT_SERVER_NAME: u16 = 0;
const EXT_ALPN: u16 = 16;

/// What routing needs from a ClientHello.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientHello {
    /// The server name (SNI host_name), lower-cased; `None` if not sent.
    pub sni: Option<String>,
    /// The protocols offered with ALPN, in the client's order.
    pub alpn: Vec<String>,
}

/// Why no ClientHello could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloError {
    /// Not a TLS handshake, or a ClientHello that breaks the format.
    Malformed(&'static str),
    /// The ClientHello exceeds the limit.
    TooLarge,
    /// The client closed before a whole ClientHello.
    Closed,
    /// An I/O error.
    Io(std::io::ErrorKind),
}

/// TLS alert descriptions the proxy sends (RFC 8446 6.2).
pub mod alert {
    pub const DECODE_ERROR: u8 = 50;
    pub const RECORD_OVERFLOW: u8 = 22;
    pub const UNRECOGNIZED_NAME: u8 = 112;
    pub const INTERNAL_ERROR: u8 = 80;
}

/// A fatal alert record with `description`.
pub fn alert(description: u8) -> [u8; 7] {
    [21, 3, 3, 0, 2, 2, description]
}

impl HelloError {
    /// The alert to send before closing, if any.
    pub fn alert(&self) -> Option<[u8; 7]> {
        match self {
            HelloError::Malformed(_) => Some(alert(alert::DECODE_ERROR)),
            HelloError::TooLarge => Some(alert(alert::RECORD_OVERFLOW)),
            _ => None,
        }
    }
}

/// A cursor over a byte slice that fails with `Malformed` past its end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], HelloError> {
        if self.0.len() < n {
            return Err(HelloError::Malformed(what));
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u8(&mut self, what: &'static str) -> Result<usize, HelloError> {
        Ok(usize::from(self.take(1, what)?[0]))
    }
    fn u16(&mut self, what: &'static str) -> Result<usize, HelloError> {
        let b = self.take(2, what)?;
        Ok(usize::from(u16::from_be_bytes([b[0], b[1]])))
    }
    /// A vector with a one- or two-byte length prefix.
    fn vec8(&mut self, what: &'static str) -> Result<Reader<'a>, HelloError> {
        let n = self.u8(what)?;
        Ok(Reader(self.take(n, what)?))
    }
    fn vec16(&mut self, what: &'static str) -> Result<Reader<'a>, HelloError> {
        let n = self.u16(what)?;
        Ok(Reader(self.take(n, what)?))
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A DNS host name as RFC 6066 allows in SNI: letters, digits, '-' and '.',
/// no empty label, no trailing dot.
fn valid_host_name(n: &[u8]) -> bool {
    !n.is_empty()
        && n.len() <= 255
        && n.split(|&b| b == b'.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        })
}

/// Parse the ClientHello message body (after the 4-byte handshake header).
fn client_hello(body: &[u8]) -> Result<ClientHello, HelloError> {
    let mut r = Reader(body);
    let version = r.take(2, "version")?;
    if version[0] != 3 {
        return Err(HelloError::Malformed("version"));
    }
    r.take(32, "random")?;
    if r.vec8("session id")?.0.len() > 32 {
        return Err(HelloError::Malformed("session id longer than 32"));
    }
    let suites = r.vec16("cipher suites")?;
    if suites.0.is_empty() || suites.0.len() % 2 != 0 {
        return Err(HelloError::Malformed("cipher suites"));
    }
    if r.vec8("compression methods")?.is_empty() {
        return Err(HelloError::Malformed("no compression method"));
    }
    let mut hello = ClientHello::default();
    if r.is_empty() {
        return Ok(hello); // No extensions (before TLS 1.3 that is allowed).
    }
    let mut exts = r.vec16("extensions")?;
    if !r.is_empty() {
        return Err(HelloError::Malformed("bytes after the extensions"));
    }
    let mut seen: Vec<u16> = Vec::new();
    while !exts.is_empty() {
        let kind = exts.u16("extension type")? as u16;
        let mut data = exts.vec16("extension data")?;
        if seen.contains(&kind) {
            return Err(HelloError::Malformed("an extension sent twice"));
        }
        seen.push(kind);
        match kind {
            EXT_SERVER_NAME => {
                let mut names = data.vec16("server name list")?;
                if !data.is_empty() || names.is_empty() {
                    return Err(HelloError::Malformed("server name list"));
                }
                while !names.is_empty() {
                    let name_type = names.u8("server name type")?;
                    let name = names.vec16("server name")?.0;
                    if name_type == 0 && hello.sni.is_none() {
                        if !valid_host_name(name) {
                            return Err(HelloError::Malformed("server name"));
                        }
                        // Checked ASCII above.
                        hello.sni = Some(String::from_utf8_lossy(name).to_ascii_lowercase());
                    }
                }
            }
            EXT_ALPN => {
                let mut list = data.vec16("ALPN list")?;
                if !data.is_empty() || list.is_empty() {
                    return Err(HelloError::Malformed("ALPN list"));
                }
                while !list.is_empty() {
                    let p = list.vec8("ALPN protocol")?.0;
                    if p.is_empty() {
                        return Err(HelloError::Malformed("empty ALPN protocol"));
                    }
                    hello.alpn.push(String::from_utf8_lossy(p).into_owned());
                }
            }
            _ => {}
        }
    }
    Ok(hello)
}

/// The length of a handshake message from its 4-byte header.
fn message_len(h: &[u8]) -> usize {
    (usize::from(h[1]) << 16) | (usize::from(h[2]) << 8) | usize::from(h[3])
}

/// Parse the ClientHello from the records at the start of `buf`; `Ok(None)`
/// if more bytes are needed. A ClientHello longer than `max` bytes is
/// refused as too large.
pub fn parse(buf: &[u8], max: usize) -> Result<Option<ClientHello>, HelloError> {
    let mut hs: Vec<u8> = Vec::new();
    let mut at = 0;
    loop {
        let Some(h) = buf.get(at..at + RECORD_HEADER) else {
            return Ok(None);
        };
        if h[0] != RECORD_HANDSHAKE {
            return Err(HelloError::Malformed("not a TLS handshake record"));
        }
        if h[1] != 3 {
            return Err(HelloError::Malformed("record version"));
        }
        let len = usize::from(u16::from_be_bytes([h[3], h[4]]));
        if len == 0 || len > RECORD_MAX {
            return Err(HelloError::Malformed("record length"));
        }
        let Some(fragment) = buf.get(at + RECORD_HEADER..at + RECORD_HEADER + len) else {
            // Refuse early what cannot fit, instead of waiting for it.
            let mut head = hs.clone();
            head.extend(buf[at + RECORD_HEADER..].iter().take(4));
            if hs.len() + len > max + 4 || (head.len() >= 4 && message_len(&head) > max) {
                return Err(HelloError::TooLarge);
            }
            return Ok(None);
        };
        hs.extend_from_slice(fragment);
        at += RECORD_HEADER + len;
        if hs.len() < 4 {
            continue;
        }
        if hs[0] != CLIENT_HELLO {
            return Err(HelloError::Malformed(
                "first handshake message is not a ClientHello",
            ));
        }
        let msg_len = message_len(&hs);
        if msg_len > max {
            return Err(HelloError::TooLarge);
        }
        if hs.len() >= 4 + msg_len {
            return client_hello(&hs[4..4 + msg_len]).map(Some);
        }
    }
}

/// Read from `r` into `buf` until a whole ClientHello is there (at most
/// `max` bytes of it). Everything read stays in `buf`, to be forwarded.
pub async fn read_hello<R: AsyncRead + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> Result<ClientHello, HelloError> {
    loop {
        if let Some(h) = parse(buf, max)? {
            return Ok(h);
        }
        if !crate::http::read_more(r, buf)
            .await
            .map_err(|e| HelloError::Io(e.kind()))?
        {
            return Err(HelloError::Closed);
        }
    }
}

#[cfg(test)]
#[path = "tls_tests.rs"]
mod tests;
