// SPDX-License-Identifier: GPL-2.0
//! Generate Rust constants from the UAPI header, so the header stays the one
//! source of truth for the ABI. Understands exactly what the header uses:
//! `#define NAME value` and C enums whose members are implicit or `= N` or
//! `= OTHER - 1`.
use std::{collections::HashMap, env, fs, path::PathBuf};

fn main() {
    let header = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap())
        .join("../../include/uapi/linux/tcpsplice.h");
    println!("cargo:rerun-if-changed={}", header.display());
    let text = fs::read_to_string(&header).expect("read UAPI header");
    let mut out = String::from("// Generated from include/uapi/linux/tcpsplice.h by build.rs.\n");
    let mut known: HashMap<String, i64> = HashMap::new();
    let mut in_enum: Option<String> = None;
    let mut members: Vec<(String, i64)> = Vec::new();
    let mut next = 0i64;
    let mut in_comment = false;
    for raw in text.lines() {
        let mut line = raw.trim().to_string();
        if in_comment {
            match line.find("*/") {
                Some(i) => {
                    line = line[i + 2..].trim().to_string();
                    in_comment = false;
                }
                None => continue,
            }
        }
        if let Some(i) = line.find("/*") {
            if !line[i..].contains("*/") {
                in_comment = true;
            }
            line.truncate(i);
            line = line.trim().to_string();
        }
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("#define ") {
            let mut it = rest.split_whitespace();
            let (Some(name), Some(val)) = (it.next(), it.next()) else {
                continue;
            };
            if name.starts_with('_') {
                continue;
            }
            if val.starts_with('"') {
                out += &format!("pub const {name}: &str = {val};\n");
            } else if let Ok(v) = val.parse::<i64>() {
                out += &format!("pub const {name}: u32 = {v};\n");
                known.insert(name.to_string(), v);
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("enum ") {
            in_enum = Some(rest.trim_end_matches('{').trim().to_string());
            members.clear();
            next = 0;
            continue;
        }
        if in_enum.is_some() {
            if line.starts_with('}') {
                // Every real member (no UNSPEC, PAD, MAX or __ markers), for
                // tools that print them by name.
                let name = in_enum.take().unwrap().to_uppercase();
                out += &format!("pub const {name}_MEMBERS: &[(&str, u16)] = &[\n");
                for (m, v) in &members {
                    if !(m.ends_with("_UNSPEC") || m.ends_with("_PAD") || m.ends_with("_MAX")) {
                        out += &format!("    (\"{m}\", {v}),\n");
                    }
                }
                out += "];\n";
                continue;
            }
            let item = line.trim_end_matches(',');
            let (name, value) = match item.split_once('=') {
                Some((n, v)) => {
                    let v = v.trim();
                    let val = if let Some((base, k)) = v.split_once('-') {
                        known[base.trim()] - k.trim().parse::<i64>().unwrap()
                    } else {
                        v.parse::<i64>().unwrap_or_else(|_| known[v])
                    };
                    (n.trim(), val)
                }
                None => (item.trim(), next),
            };
            known.insert(name.to_string(), value);
            next = value + 1;
            if !name.starts_with('_') {
                out += &format!("pub const {name}: u16 = {value};\n");
                members.push((name.to_string(), value));
            }
        }
    }
    fs::write(
        PathBuf::from(env::var("OUT_DIR").unwrap()).join("uapi.rs"),
        out,
    )
    .unwrap();
}
