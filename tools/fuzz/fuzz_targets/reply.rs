// SPDX-License-Identifier: GPL-2.0
//! Fuzz the netlink attribute parsing of `tcpsplicectl` and
//! `tcpsplice-proxy`: every decoder of tcpsplice-client over a generic
//! netlink reply's bytes (status, splices, cluster, events), and the text
//! forms printed from what they decoded. Beyond "no panic": every setting
//! and statistic decoded appears, with its value, in the status text.
#![no_main]
use libfuzzer_sys::fuzz_target;

// tcpsplicectl's text forms, compiled here as they are (they use only
// tcpsplice-client's types), without the CLI's dependencies.
#[path = "../../tcpsplicectl/src/render.rs"]
mod render;

fuzz_target!(|data: &[u8]| {
    let Ok(d) = tcpsplice_client::decode_reply(data) else {
        return;
    };
    if let Some(s) = &d.status {
        let text = render::status(s);
        for (k, v) in s.config.iter().chain(s.stats.iter()) {
            assert!(
                text.lines().any(|l| {
                    let mut w = l.split_whitespace();
                    w.next() == Some(k.as_str()) && w.next() == Some(v.to_string().as_str())
                }),
                "{k} {v} missing from the text"
            );
        }
    }
    let _ = render::table(&d.splices);
    let (rows, _) =
        tcpsplice_client::busiest(&tcpsplice_client::Sample::new(), &d.splices, 1.0, 20);
    let _ = render::top(d.splices.len(), &rows);
    let _ = d.cluster.map(|c| render::cluster(&c));
    let _ = d.event.map(|e| render::event(&e));
});
