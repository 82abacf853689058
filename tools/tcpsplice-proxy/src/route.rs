// SPDX-License-Identifier: GPL-2.0
//! Choosing a pool for a request: the first route whose host (the Host
//! header, or the SNI name on TLS listeners), path prefix (HTTP) and ALPN
//! protocol (TLS) all match, else the default pool.
use crate::config::Config;

#[derive(Debug, Clone)]
pub struct Router {
    routes: Vec<Rule>,
    default: Option<usize>,
}

#[derive(Debug, Clone)]
struct Rule {
    host: Option<String>,
    path_prefix: Option<String>,
    alpn: Option<String>,
    pool: usize,
}

/// What a connection offers for routing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Request<'a> {
    /// Host header or SNI name, lower-case.
    pub host: Option<&'a str>,
    /// HTTP request path (`None` on TLS listeners).
    pub path: Option<&'a str>,
    /// ALPN protocols the client offers (TLS).
    pub alpn: &'a [String],
}

fn host_matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        // "*.example.com" matches "a.example.com" and "a.b.example.com", not
        // "example.com" itself.
        Some(suffix) => {
            host.len() > suffix.len() + 1
                && host.ends_with(suffix)
                && host.as_bytes()[host.len() - suffix.len() - 1] == b'.'
        }
        None => pattern == host,
    }
}

impl Router {
    pub fn new(c: &Config) -> Router {
        let idx = |name: &str| {
            c.pool
                .iter()
                .position(|p| p.name == name)
                .expect("validated")
        };
        Router {
            routes: c
                .route
                .iter()
                .map(|r| Rule {
                    host: r.host.as_ref().map(|h| h.to_ascii_lowercase()),
                    path_prefix: r.path_prefix.clone(),
                    alpn: r.alpn.clone(),
                    pool: idx(&r.pool),
                })
                .collect(),
            default: c.default_pool.as_deref().map(idx),
        }
    }

    /// The index of the pool for a request, if any.
    pub fn pick(&self, req: Request<'_>) -> Option<usize> {
        self.routes
            .iter()
            .find(|r| {
                r.host
                    .as_deref()
                    .is_none_or(|h| req.host.is_some_and(|x| host_matches(h, x)))
                    && r.path_prefix
                        .as_deref()
                        .is_none_or(|p| req.path.is_some_and(|x| x.starts_with(p)))
                    && r.alpn
                        .as_deref()
                        .is_none_or(|a| req.alpn.iter().any(|x| x == a))
            })
            .map(|r| r.pool)
            .or(self.default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_match_then_default() {
        let c = Config::parse(
            r#"
default_pool = "www"
[[listen]]
address = "127.0.0.1:1"
[[pool]]
name = "www"
backends = ["127.0.0.1:2"]
[[pool]]
name = "api"
backends = ["127.0.0.1:3"]
[[pool]]
name = "img"
backends = ["127.0.0.1:4"]
[[route]]
host = "api.example.com"
pool = "api"
[[route]]
host = "*.example.com"
path_prefix = "/img/"
pool = "img"
"#,
            "t",
        )
        .unwrap();
        let r = Router::new(&c);
        let http = |host, path| Request {
            host,
            path: Some(path),
            alpn: &[],
        };
        assert_eq!(r.pick(http(Some("api.example.com"), "/img/x")), Some(1));
        assert_eq!(r.pick(http(Some("a.b.example.com"), "/img/x")), Some(2));
        assert_eq!(r.pick(http(Some("example.com"), "/img/x")), Some(0));
        assert_eq!(r.pick(http(Some("notexample.com"), "/img/x")), Some(0));
        assert_eq!(r.pick(http(Some("a.example.com"), "/other")), Some(0));
        assert_eq!(r.pick(http(None, "/img/")), Some(0));
        // TLS: no path, so path routes never match; SNI names the host.
        let tls = |host| Request {
            host,
            path: None,
            alpn: &[],
        };
        assert_eq!(r.pick(tls(Some("a.example.com"))), Some(0));
        assert_eq!(r.pick(tls(Some("api.example.com"))), Some(1));
    }

    #[test]
    fn alpn_routes_match_what_the_client_offers() {
        let c = Config::parse(
            r#"
default_pool = "www"
[[listen]]
address = "127.0.0.1:1"
mode = "tls"
[[pool]]
name = "www"
backends = ["127.0.0.1:2"]
[[pool]]
name = "h2"
backends = ["127.0.0.1:3"]
[[pool]]
name = "api"
backends = ["127.0.0.1:4"]
[[route]]
host = "api.example.com"
pool = "api"
[[route]]
alpn = "h2"
pool = "h2"
"#,
            "t",
        )
        .unwrap();
        let r = Router::new(&c);
        let offer = |host, alpn: &[&str]| {
            let alpn: Vec<String> = alpn.iter().map(|s| s.to_string()).collect();
            r.pick(Request {
                host,
                path: None,
                alpn: &alpn,
            })
        };
        assert_eq!(offer(Some("api.example.com"), &["h2"]), Some(2));
        assert_eq!(offer(Some("www.example.com"), &["http/1.1", "h2"]), Some(1));
        assert_eq!(offer(Some("www.example.com"), &["http/1.1"]), Some(0));
        assert_eq!(offer(None, &[]), Some(0));
    }
}
