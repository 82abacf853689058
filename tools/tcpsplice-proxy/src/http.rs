// SPDX-License-Identifier: GPL-2.0
//! Reading an HTTP/1.1 request head, and the few responses the proxy makes
//! itself.
use tokio::io::{AsyncRead, AsyncReadExt};

/// What routing needs from a request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The Host header (or the authority of an absolute-form target),
    /// lower-cased, without a port.
    pub host: Option<String>,
    /// The path of the request target.
    pub path: String,
    /// Length of the head in `buf`.
    pub head_len: usize,
}

/// Why no head could be read.
#[derive(Debug, PartialEq, Eq)]
pub enum HeadError {
    /// Not HTTP/1.x: answer 400.
    Malformed,
    /// The head exceeds the limit: answer 431.
    TooLarge,
    /// The client closed before a full head.
    Closed,
    /// An I/O error.
    Io(std::io::ErrorKind),
}

impl HeadError {
    /// The response to send, if any.
    pub fn response(&self) -> Option<&'static [u8]> {
        match self {
            HeadError::Malformed => Some(response(400)),
            HeadError::TooLarge => Some(response(431)),
            _ => None,
        }
    }
}

/// A complete response with an empty body that closes the connection
/// (400, 408, 431; any other code gives 503).
pub fn response(code: u16) -> &'static [u8] {
    match code {
        400 => b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        408 => b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        431 => b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        _ => b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    }
}

/// Parse a complete head at the start of `buf`; `Ok(None)` if more bytes are
/// needed.
pub fn parse(buf: &[u8]) -> Result<Option<Head>, HeadError> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    let head_len = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooLarge),
        Err(_) => return Err(HeadError::Malformed),
    };
    let target = req.path.ok_or(HeadError::Malformed)?;
    let (mut host, path) = match target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
    {
        Some(rest) => {
            let (auth, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            (
                Some(auth.to_string()),
                if path.is_empty() {
                    "/".to_string()
                } else {
                    path.to_string()
                },
            )
        }
        None => (None, target.to_string()),
    };
    if host.is_none() {
        let mut hosts = req
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case("host"));
        if let Some(h) = hosts.next() {
            if hosts.next().is_some() {
                return Err(HeadError::Malformed); // RFC 9112 3.2: exactly one
            }
            host = Some(
                std::str::from_utf8(h.value)
                    .map_err(|_| HeadError::Malformed)?
                    .trim()
                    .to_string(),
            );
        }
    }
    let host = host.map(|h| {
        let h = h.to_ascii_lowercase();
        match h.rsplit_once(':') {
            Some((name, port)) if !name.ends_with(']') || h.starts_with('[') => {
                if port.chars().all(|c| c.is_ascii_digit()) {
                    name.to_string()
                } else {
                    h.clone()
                }
            }
            _ => h,
        }
    });
    Ok(Some(Head {
        host,
        path,
        head_len,
    }))
}

/// Read from `r` into `buf` until a complete head is there, at most `max`
/// bytes. Bytes after the head (a body, a pipelined request) stay in `buf`.
pub async fn read_head<R: AsyncRead + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> Result<Head, HeadError> {
    loop {
        if let Some(h) = parse(buf)? {
            // A head that arrived whole in one read is still held to the limit.
            return if h.head_len > max {
                Err(HeadError::TooLarge)
            } else {
                Ok(h)
            };
        }
        if buf.len() >= max {
            return Err(HeadError::TooLarge);
        }
        if !read_more(r, buf)
            .await
            .map_err(|e| HeadError::Io(e.kind()))?
        {
            return Err(HeadError::Closed);
        }
    }
}

/// Append what `r` has next to `buf`; false when the peer has closed.
pub(crate) async fn read_more<R: AsyncRead + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
) -> std::io::Result<bool> {
    let mut chunk = [0u8; 4096];
    let n = r.read(&mut chunk).await?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_host_and_path() {
        let h = parse(b"GET /a/b?x=1 HTTP/1.1\r\nHost: WWW.Example.com:8080\r\n\r\nBODY")
            .unwrap()
            .unwrap();
        assert_eq!(h.host.as_deref(), Some("www.example.com"));
        assert_eq!(h.path, "/a/b?x=1");
        assert_eq!(h.head_len, 53);
        assert_eq!(
            &b"GET /a/b?x=1 HTTP/1.1\r\nHost: WWW.Example.com:8080\r\n\r\nBODY"[53..],
            b"BODY"
        );
        let h = parse(b"GET http://api.example.com/v1 HTTP/1.1\r\nHost: other\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(h.host.as_deref(), Some("api.example.com"));
        assert_eq!(h.path, "/v1");
        let h = parse(b"GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(h.host.as_deref(), Some("[2001:db8::1]"));
    }

    #[test]
    fn partial_and_bad_heads() {
        assert_eq!(parse(b"GET / HTTP/1.1\r\nHost: a\r\n"), Ok(None));
        assert_eq!(
            parse(b"\x16\x03\x01\x02\x00\x01\x00"),
            Err(HeadError::Malformed)
        );
        assert_eq!(
            parse(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
            Err(HeadError::Malformed)
        );
        assert_eq!(
            parse(b"GET / HTTP/1.1\r\nBad Header\r\n\r\n"),
            Err(HeadError::Malformed)
        );
    }

    #[tokio::test]
    async fn reads_across_chunks_and_keeps_the_rest() {
        let (mut a, mut b) = tokio::io::duplex(64);
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            for part in [&b"GET /x HT"[..], b"TP/1.1\r\nHost: h\r", b"\n\r\nbody"] {
                a.write_all(part).await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        });
        let mut buf = Vec::new();
        let h = read_head(&mut b, &mut buf, 1024).await.unwrap();
        assert_eq!(h.path, "/x");
        // The body that came with the end of the head stays in the buffer.
        assert_eq!(&buf[h.head_len..], b"body");
        let mut buf = Vec::new();
        let (mut a, mut b) = tokio::io::duplex(64);
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            a.write_all(&[b'A'; 300]).await.unwrap();
        });
        assert_eq!(
            read_head(&mut b, &mut buf, 100).await,
            Err(HeadError::TooLarge)
        );
    }
}
