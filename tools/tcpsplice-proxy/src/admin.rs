// SPDX-License-Identifier: GPL-2.0
//! The admin socket (`admin_socket = "PATH"`), as HAProxy's runtime API: a
//! Unix stream socket (mode 0600, so only the proxy's user and root reach
//! it) that takes one command a line and answers each with lines ending in
//! an empty line:
//!
//! - `show backends`: one line per backend of every pool,
//!   `POOL ADDRESS up|down STATE weight W backup yes|no active N checks_failed N`;
//! - `set backend POOL ADDRESS enabled|drain|disabled`: `ok`, or `error: ...`.
//!
//! A state set here holds for new connections until the next reload, which
//! applies the configuration's.
use crate::proxy::Proxy;
use std::fmt::Write;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixListener;

/// The answer to one command line (without the final empty line).
pub fn command(proxy: &Proxy, line: &str) -> String {
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        ["show", "backends"] => {
            let mut out = String::new();
            for b in proxy.backends() {
                let _ = writeln!(
                    out,
                    "{} {} {} {} weight {} backup {} active {} checks_failed {}",
                    b.pool,
                    b.addr,
                    if b.up { "up" } else { "down" },
                    b.state,
                    b.weight,
                    if b.backup { "yes" } else { "no" },
                    b.active,
                    b.checks_failed
                );
            }
            out
        }
        ["set", "backend", pool, addr, state] => {
            let Ok(addr) = addr.parse() else {
                return format!("error: {addr}: not an address and port\n");
            };
            let Some(state) = crate::config::AdminState::parse(state) else {
                return format!("error: {state}: enabled, drain or disabled\n");
            };
            match proxy.set_backend_state(pool, addr, state) {
                Ok(()) => {
                    crate::info!("admin: pool {pool}: backend {addr} set to {}", state.name());
                    "ok\n".into()
                }
                Err(e) => format!("error: {e}\n"),
            }
        }
        _ => "error: commands: show backends; set backend POOL ADDRESS enabled|drain|disabled\n"
            .into(),
    }
}

/// Serve the admin socket forever.
pub async fn serve(listener: UnixListener, proxy: Arc<Proxy>) {
    loop {
        let Ok((s, _)) = listener.accept().await else {
            continue;
        };
        let proxy = proxy.clone();
        tokio::spawn(async move {
            let (r, mut w) = s.into_split();
            let mut lines = BufReader::new(r).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let mut answer = command(&proxy, &line);
                answer.push('\n');
                if w.write_all(answer.as_bytes()).await.is_err() {
                    return;
                }
            }
        });
    }
}

/// Listen on `path` (a stale socket file there is replaced), mode 0600.
pub fn listen(path: &str) -> std::io::Result<UnixListener> {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let l = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn show_and_set_backends() {
        let cfg = Config::parse(
            "default_pool = \"web\"\n[[listen]]\naddress = \"127.0.0.1:0\"\n[[pool]]\nname = \"web\"\n\
             backends = [\"127.0.0.1:1\", { address = \"127.0.0.1:2\", weight = 2, backup = true }]\n\
             health_interval_ms = 0\n",
            "t",
        )
        .unwrap();
        let p = Proxy::new(cfg, None);
        assert_eq!(
            command(&p, "show backends"),
            "web 127.0.0.1:1 up enabled weight 1 backup no active 0 checks_failed 0\n\
             web 127.0.0.1:2 up enabled weight 2 backup yes active 0 checks_failed 0\n"
        );
        assert_eq!(command(&p, "set backend web 127.0.0.1:1 drain"), "ok\n");
        assert!(command(&p, "show backends").starts_with("web 127.0.0.1:1 up drain "));
        assert_eq!(
            command(&p, "set backend web 127.0.0.1:9 drain"),
            "error: pool web has no backend 127.0.0.1:9\n"
        );
        assert_eq!(
            command(&p, "set backend www 127.0.0.1:1 drain"),
            "error: no pool www\n"
        );
        assert_eq!(
            command(&p, "set backend web 127.0.0.1:1 off"),
            "error: off: enabled, drain or disabled\n"
        );
        assert_eq!(
            command(&p, "set backend web nowhere drain"),
            "error: nowhere: not an address and port\n"
        );
        assert!(command(&p, "help").starts_with("error: commands"));
    }
}
