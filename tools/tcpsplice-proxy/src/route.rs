// SPDX-License-Identifier: GPL-2.0
//! Choosing a pool for a request: the first route whose host and path prefix
//! both match, else the default pool.
use crate::config::Config;

#[derive(Debug, Clone)]
pub struct Router {
    routes: Vec<(Option<String>, Option<String>, usize)>,
    default: Option<usize>,
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
                .map(|r| {
                    (
                        r.host.as_ref().map(|h| h.to_ascii_lowercase()),
                        r.path_prefix.clone(),
                        idx(&r.pool),
                    )
                })
                .collect(),
            default: c.default_pool.as_deref().map(idx),
        }
    }

    /// The index of the pool for a request, if any.
    pub fn pick(&self, host: Option<&str>, path: &str) -> Option<usize> {
        self.routes
            .iter()
            .find(|(h, p, _)| {
                h.as_deref()
                    .is_none_or(|h| host.is_some_and(|x| host_matches(h, x)))
                    && p.as_deref().is_none_or(|p| path.starts_with(p))
            })
            .map(|r| r.2)
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
        assert_eq!(r.pick(Some("api.example.com"), "/img/x"), Some(1));
        assert_eq!(r.pick(Some("a.b.example.com"), "/img/x"), Some(2));
        assert_eq!(r.pick(Some("example.com"), "/img/x"), Some(0));
        assert_eq!(r.pick(Some("notexample.com"), "/img/x"), Some(0));
        assert_eq!(r.pick(Some("a.example.com"), "/other"), Some(0));
        assert_eq!(r.pick(None, "/img/"), Some(0));
    }
}
