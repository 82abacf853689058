// SPDX-License-Identifier: GPL-2.0
//! decode_reply on the reply fuzzer's seeds (tools/fuzz/corpus/reply),
//! which are replies as the module builds them.
use std::path::Path;
use tcpsplice_client::decode_reply;

fn seed(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus/reply")
        .join(name);
    std::fs::read(p).unwrap()
}

#[test]
fn decodes_a_status() {
    let d = decode_reply(&seed("status")).unwrap();
    let s = d.status.unwrap();
    assert_eq!(s.version, "0.1.0");
    assert_eq!(s.entry_bytes, 320);
    assert_eq!(s.config["max_splices"], 65536);
    assert_eq!(s.stats["rx_tcp"], 28);
}

#[test]
fn decodes_splices_clusters_and_events() {
    let d = decode_reply(&seed("splice")).unwrap();
    assert_eq!(d.splices.len(), 1);
    assert_eq!(
        d.splices[0].client.remote.to_string(),
        "198.51.100.11:40000"
    );
    assert_eq!(d.splices[0].backend.remote.to_string(), "203.0.113.21:8000");
    let c = decode_reply(&seed("cluster")).unwrap().cluster.unwrap();
    assert_eq!((c.node_id, c.port), (1, 7010));
    assert_eq!(c.peers.len(), 1);
    let e = decode_reply(&seed("event")).unwrap().event.unwrap();
    assert_eq!((e.event.as_str(), e.node), ("takeover", 2));
}

#[test]
fn refuses_what_is_not_a_reply() {
    assert!(decode_reply(&[]).is_err());
    assert!(decode_reply(&[1, 1]).is_err());
    let mut s = seed("status");
    s[4] = 0xff; // the first attribute's length runs past the message
    s[5] = 0xff;
    assert!(decode_reply(&s).is_err());
}
