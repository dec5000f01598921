//! Just enough of PDF to read Chromium's printed pages back: the pages in
//! order and the text on each (through the fonts' ToUnicode maps), so a test
//! can count pages and find the header on every one. Chromium (Skia) writes
//! plain objects, Flate-compressed streams and Type0 fonts with 2-byte codes.

use anyhow::{Context, Result};
use std::collections::HashMap;
use std::io::Read;

/// An object's dictionary (as text) and its stream, inflated if compressed.
struct Object {
    dict: String,
    stream: Option<Vec<u8>>,
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|i| i + from)
}

fn objects(pdf: &[u8]) -> Result<HashMap<u32, Object>> {
    let mut out = HashMap::new();
    let mut at = 0;
    while let Some(p) = find(pdf, b" 0 obj", at) {
        // The object number: the digits before " 0 obj".
        let start = pdf[..p].iter().rposition(|b| !b.is_ascii_digit()).map_or(0, |i| i + 1);
        let num: u32 = std::str::from_utf8(&pdf[start..p])?.parse().unwrap_or(0);
        let body_start = p + b" 0 obj".len();
        let end = find(pdf, b"endobj", body_start).context("endobj")?;
        let body = &pdf[body_start..end];
        let (dict, stream) = match find(body, b"stream", 0) {
            Some(s) if !body[..s].ends_with(b"end") => {
                let mut data_start = s + b"stream".len();
                if body.get(data_start) == Some(&b'\r') {
                    data_start += 1;
                }
                if body.get(data_start) == Some(&b'\n') {
                    data_start += 1;
                }
                let data_end = find(body, b"endstream", data_start).context("endstream")?;
                let dict = String::from_utf8_lossy(&body[..s]).into_owned();
                let mut data = body[data_start..data_end].to_vec();
                if dict.contains("/FlateDecode") {
                    let mut inflated = Vec::new();
                    if flate2::read::ZlibDecoder::new(&data[..]).read_to_end(&mut inflated).is_ok() {
                        data = inflated;
                    }
                }
                (dict, Some(data))
            }
            _ => (String::from_utf8_lossy(body).into_owned(), None),
        };
        out.insert(num, Object { dict, stream });
        at = end;
    }
    Ok(out)
}

/// The object numbers `N 0 R` after `key` in `dict` (one, or an array's).
fn refs_after(dict: &str, key: &str) -> Vec<u32> {
    let Some(i) = dict.find(key) else { return Vec::new() };
    let rest = &dict[i + key.len()..];
    let rest = rest.trim_start();
    let part = if rest.starts_with('[') {
        &rest[..rest.find(']').unwrap_or(rest.len())]
    } else {
        &rest[..rest.find('R').map_or(rest.len(), |r| r + 1)]
    };
    let words: Vec<&str> = part.trim_start_matches('[').split_whitespace().collect();
    words.windows(3).filter(|w| w[2] == "R").filter_map(|w| w[0].parse().ok()).collect()
}

/// Font resource names → font object numbers, from a page's (or its resources') dictionary.
fn fonts_of(dict: &str, objs: &HashMap<u32, Object>) -> HashMap<String, u32> {
    let mut text = dict.to_owned();
    // Resources given as a reference.
    if let Some(r) = refs_after(dict, "/Resources").first() {
        if let Some(o) = objs.get(r) {
            text.push_str(&o.dict);
        }
    }
    let mut out = HashMap::new();
    let Some(i) = text.find("/Font") else { return out };
    let rest = text[i + 5..].trim_start();
    let dict_text = if rest.starts_with("<<") {
        rest[2..rest.find(">>").unwrap_or(rest.len())].to_owned()
    } else if let Some(r) = refs_after(&text[i..], "/Font").first() {
        objs.get(r).map(|o| o.dict.clone()).unwrap_or_default()
    } else {
        String::new()
    };
    let words: Vec<&str> = dict_text.split_whitespace().collect();
    for w in words.windows(4) {
        if w[0].starts_with('/') && w[3] == "R" {
            if let Ok(n) = w[1].parse() {
                out.insert(w[0].trim_start_matches('/').to_owned(), n);
            }
        }
    }
    out
}

fn hex_bytes(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits.chunks(2).filter_map(|c| u8::from_str_radix(std::str::from_utf8(c).ok()?, 16).ok().or(Some(0))).collect()
}

/// A ToUnicode CMap: code (as bytes) → text.
fn cmap(data: &[u8]) -> (HashMap<Vec<u8>, String>, usize) {
    let text = String::from_utf8_lossy(data);
    let mut map = HashMap::new();
    let mut width = 2;
    let utf16 = |b: &[u8]| {
        String::from_utf16_lossy(
            &b.chunks(2).map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])).collect::<Vec<_>>(),
        )
    };
    let tokens = |s: &str| -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = String::new();
        let mut in_hex = false;
        for ch in s.chars() {
            match ch {
                '<' => {
                    in_hex = true;
                    cur.clear();
                }
                '>' if in_hex => {
                    in_hex = false;
                    out.push(cur.clone());
                }
                '[' => out.push("[".into()),
                ']' => out.push("]".into()),
                c if in_hex => cur.push(c),
                _ => {}
            }
        }
        out
    };
    for block in text.split("beginbfchar").skip(1) {
        let body = block.split("endbfchar").next().unwrap_or("");
        let t = tokens(body);
        for pair in t.chunks(2) {
            if let [src, dst] = pair {
                let src = hex_bytes(src);
                width = src.len().max(1);
                map.insert(src, utf16(&hex_bytes(dst)));
            }
        }
    }
    for block in text.split("beginbfrange").skip(1) {
        let body = block.split("endbfrange").next().unwrap_or("");
        let t = tokens(body);
        let mut i = 0;
        while i + 2 < t.len() {
            let (lo, hi) = (hex_bytes(&t[i]), hex_bytes(&t[i + 1]));
            width = lo.len().max(1);
            let as_num = |b: &[u8]| b.iter().fold(0u32, |a, x| (a << 8) | u32::from(*x));
            let (l, h) = (as_num(&lo), as_num(&hi));
            let to_code = |n: u32| (0..lo.len()).rev().map(|k| (n >> (8 * k)) as u8).collect::<Vec<u8>>();
            if t[i + 2] == "[" {
                let mut j = i + 3;
                let mut n = l;
                while j < t.len() && t[j] != "]" {
                    map.insert(to_code(n), utf16(&hex_bytes(&t[j])));
                    n += 1;
                    j += 1;
                }
                i = j + 1;
            } else {
                let dst = hex_bytes(&t[i + 2]);
                let base: Vec<u16> =
                    dst.chunks(2).map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])).collect();
                for n in l..=h.min(l + 65535) {
                    let mut d = base.clone();
                    if let Some(last) = d.last_mut() {
                        *last = last.wrapping_add((n - l) as u16);
                    }
                    map.insert(to_code(n), String::from_utf16_lossy(&d));
                }
                i += 3;
            }
        }
    }
    (map, width)
}

/// The text drawn by a content stream, glyph runs in drawing order.
fn text_of(content: &[u8], fonts: &HashMap<String, (HashMap<Vec<u8>, String>, usize)>) -> String {
    let s = String::from_utf8_lossy(content);
    let mut out = String::new();
    let mut font: Option<&(HashMap<Vec<u8>, String>, usize)> = None;
    let mut last_name = String::new();
    let decode = |bytes: &[u8], font: Option<&(HashMap<Vec<u8>, String>, usize)>, out: &mut String| {
        let Some((map, width)) = font else { return };
        for code in bytes.chunks(*width) {
            if let Some(t) = map.get(code) {
                out.push_str(t);
            }
        }
    };
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '/' => {
                let start = i + 1;
                let mut j = start;
                while j < chars.len() && !chars[j].is_whitespace() && !"/[]<>()".contains(chars[j]) {
                    j += 1;
                }
                last_name = chars[start..j].iter().collect();
                i = j;
            }
            '<' if chars.get(i + 1) != Some(&'<') => {
                let j = chars[i..].iter().position(|c| *c == '>').map_or(chars.len(), |p| i + p);
                let hex: String = chars[i + 1..j].iter().collect();
                decode(&hex_bytes(&hex), font, &mut out);
                i = j + 1;
            }
            'T' if chars.get(i + 1) == Some(&'f') => {
                font = fonts.get(&last_name);
                i += 2;
            }
            'E' if chars.get(i + 1) == Some(&'T') => {
                out.push('\n');
                i += 2;
            }
            _ => i += 1,
        }
    }
    out
}

/// The printed pages, in order, each as the text on it.
pub fn pages(pdf: &[u8]) -> Result<Vec<String>> {
    let objs = objects(pdf)?;
    // The page order: the page tree from the catalog's /Pages, depth first.
    // "/Type /Page" or "/Type/Page": compare without spaces.
    let is = |o: &Object, t: &str| o.dict.replace(' ', "").contains(&format!("/Type/{t}"));
    let root = objs.values().find(|o| is(o, "Catalog")).context("no catalog")?;
    let mut order = Vec::new();
    let mut stack: Vec<u32> = refs_after(&root.dict, "/Pages").into_iter().rev().collect();
    while let Some(n) = stack.pop() {
        let Some(o) = objs.get(&n) else { continue };
        if is(o, "Pages") {
            stack.extend(refs_after(&o.dict, "/Kids").into_iter().rev());
        } else if is(o, "Page") {
            order.push(n);
        }
    }
    let mut out = Vec::new();
    for n in order {
        let page = &objs[&n];
        let fonts: HashMap<String, (HashMap<Vec<u8>, String>, usize)> = fonts_of(&page.dict, &objs)
            .into_iter()
            .filter_map(|(name, f)| {
                let to_unicode = *refs_after(&objs.get(&f)?.dict, "/ToUnicode").first()?;
                Some((name, cmap(objs.get(&to_unicode)?.stream.as_deref()?)))
            })
            .collect();
        let mut text = String::new();
        for c in refs_after(&page.dict, "/Contents") {
            if let Some(data) = objs.get(&c).and_then(|o| o.stream.as_deref()) {
                text.push_str(&text_of(data, &fonts));
            }
        }
        out.push(text);
    }
    Ok(out)
}
