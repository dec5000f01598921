//! `cargo xtask dist`: the frontend as the server ships it, in `<target>/dist`.
//!
//! The same steps trunk would take, without trunk (which needs a newer Rust here): build the
//! wasm, generate the JS glue with wasm-bindgen, shrink with wasm-opt, add the static files, and
//! give the service worker the list of files to cache offline plus a cache version that changes
//! whenever any of them changes.

use std::fs;
use std::path::Path;

use anyhow::{bail, Context, Result};
use xshell::{cmd, Shell};

use crate::tools::{self, WASM_TARGET};
use crate::Workspace;

pub const PACKAGE: &str = "labblogg-frontend";
/// Defined in the root Cargo.toml: optimised for size, the wasm is downloaded by tablets.
const PROFILE: &str = "wasm-release";
/// wasm-bindgen names its outputs after this: `labblogg.js` and `labblogg_bg.wasm`.
const OUT_NAME: &str = "labblogg";
const SERVICE_WORKER: &str = "sw.js";
/// The import module a `#[lazy]` split point leaves in the wasm until wasm-split links it
/// (wasm_split_macros' PLACEHOLDER_IMPORT_MODULE).
const SPLIT_PLACEHOLDER: &[u8] = b"__wasm_split_placeholder__";
/// Replaced in `sw.js` by a JSON array of URLs, e.g. `const ASSETS = __ASSET_LIST__;`.
const ASSET_LIST_PLACEHOLDER: &str = "__ASSET_LIST__";
/// Replaced in `sw.js` by bare hex digits, e.g. `const CACHE = "labblogg-__CACHE_VERSION__";`.
const CACHE_VERSION_PLACEHOLDER: &str = "__CACHE_VERSION__";
/// The wasm features rustc enables by default for wasm32-unknown-unknown (Rust 1.95, LLVM's
/// "generic" CPU), all supported by current browsers. wasm-opt 132 also reads them from the
/// module's `target_features` section, which wasm-bindgen keeps; naming them keeps wasm-opt from
/// refusing reference types or bulk memory should that section ever be dropped. Checked: a Leptos
/// build optimised with exactly these runs in Chromium 156.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-bulk-memory-opt",
    "--enable-call-indirect-overlong",
    "--enable-multivalue",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-reference-types",
    "--enable-sign-ext",
];

pub fn dist(sh: &Shell, ws: &Workspace) -> Result<()> {
    build_dist(sh, ws, PACKAGE, None, &ws.dist_dir())
}

/// The `dist` steps for any wasm crate (`manifest`: outside the workspace, for the benchmarks'
/// hello world), with the app's static files and service worker, into `dist`.
pub fn build_dist(sh: &Shell, ws: &Workspace, package: &str, manifest: Option<&Path>, dist: &Path) -> Result<()> {
    // Checked first: without it the build is useless, and the wasm build takes minutes.
    let static_dir = ws.root.join("frontend/static");
    if !static_dir.is_dir() {
        bail!("{} is missing: it holds index.html and the service worker", static_dir.display());
    }
    let wasm_opt = tools::ensure_frontend_tools(sh, ws)?;

    let cargo = &ws.cargo;
    // The app is split into the first screen's wasm and chunks loaded on demand (Leptos's
    // `#[lazy]`, frontend/src/lazy.rs), as cargo-leptos does it: the linker keeps its
    // relocations (`--emit-relocs`, passed to the final link only, so dependencies are not
    // rebuilt), wasm-split cuts the module at the split points, wasm-bindgen then sees only the
    // main module. The benchmarks' hello world (`manifest`) is built plainly.
    // On unless `LABBLOGG_SPLIT=0` (the whole app in one module, for comparing). A screen's chunk
    // must be in memory or in the service worker's cache to open offline: the app fetches every
    // chunk in the background a few seconds after a sign-in (`lazy::prefetch_later`), so a tablet
    // that loses the network soon after its first sign-in still opens every screen.
    let split = manifest.is_none() && std::env::var_os("LABBLOGG_SPLIT").is_none_or(|v| v != "0");
    if split {
        cmd!(
            sh,
            "{cargo} rustc -p {package} --lib --features split --target {WASM_TARGET} --profile {PROFILE} -- -Clink-arg=--emit-relocs"
        )
        .run()?;
    } else {
        let manifest_args: Vec<&std::ffi::OsStr> = match manifest {
            Some(path) => vec!["--manifest-path".as_ref(), path.as_os_str()],
            None => Vec::new(),
        };
        cmd!(sh, "{cargo} build {manifest_args...} -p {package} --target {WASM_TARGET} --profile {PROFILE}")
            // A crate outside the workspace builds into the same target directory.
            .env("CARGO_TARGET_DIR", &ws.target_dir)
            .run()?;
    }
    let wasm = ws.target_dir.join(WASM_TARGET).join(PROFILE).join(format!("{}.wasm", package.replace('-', "_")));

    // Start empty: a file removed from frontend/static/ must not linger in the offline cache list.
    if dist.exists() {
        sh.remove_path(dist)?;
    }
    sh.create_dir(dist)?;
    let has_split_points = split && fs::read(&wasm)?.windows(SPLIT_PLACEHOLDER.len()).any(|w| w == SPLIT_PLACEHOLDER);
    if has_split_points {
        let wasm_split = tools::ensure_wasm_split(sh, ws)?;
        let parts = ws.target_dir.join("wasm-split").join(package);
        if parts.exists() {
            sh.remove_path(&parts)?;
        }
        sh.create_dir(&parts)?;
        cmd!(sh, "{wasm_split} {wasm} {parts} --target web --out-name {OUT_NAME}").run()?;
        let main = parts.join(format!("{OUT_NAME}.wasm"));
        cmd!(
            sh,
            "wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle --out-dir {dist} --out-name {OUT_NAME} {main}"
        )
        .run()?;
        // The chunks and their loader (`__wasm_split.js`), beside the main module's JS.
        for entry in fs::read_dir(&parts)? {
            let path = entry?.path();
            if path != main {
                fs::copy(&path, dist.join(path.file_name().context("a file name")?))?;
            }
        }
    } else {
        cmd!(sh, "wasm-bindgen --target web --no-typescript --out-dir {dist} --out-name {OUT_NAME} {wasm}").run()?;
    }

    let bg_wasm = dist.join(format!("{OUT_NAME}_bg.wasm"));
    match &wasm_opt {
        Some(wasm_opt) => cmd!(sh, "{wasm_opt} -Oz {WASM_FEATURES...} -o {bg_wasm} {bg_wasm}").run()?,
        None => eprintln!("warning: wasm-opt unavailable; {} is not size-optimised", bg_wasm.display()),
    }
    // The chunks of a split build, all in one process (see xtask/wasm-opt-batch.mjs).
    let chunks: Vec<std::path::PathBuf> = list_files(dist)?
        .into_iter()
        .filter(|f| f.ends_with(".wasm") && *f != format!("{OUT_NAME}_bg.wasm"))
        .map(|f| dist.join(f))
        .collect();
    if let (Some(wasm_opt), false) = (&wasm_opt, chunks.is_empty()) {
        // <prefix>/node_modules/.bin/wasm-opt → <prefix>, where `import 'binaryen'` resolves.
        let prefix = wasm_opt.ancestors().nth(3).context("wasm-opt's npm prefix")?;
        let script = prefix.join("wasm-opt-batch.mjs");
        fs::copy(ws.root.join("xtask/wasm-opt-batch.mjs"), &script)?;
        let count = chunks.len();
        cmd!(sh, "node {script} {chunks...}").quiet().run()?;
        println!("wasm-opt -Oz: {count} chunks");
    }

    copy_static(&static_dir, dist)?;
    write_service_worker(dist)?;
    precompress(sh, dist)?;

    println!("frontend built into {}", dist.display());
    let built = list_files(dist)?;
    let app_files = built.iter().filter(|f| {
        !is_precompressed(f) && (f.ends_with(".wasm") || f.starts_with(OUT_NAME) || f.starts_with("__wasm_split"))
    });
    for name in app_files {
        let path = dist.join(name);
        let raw = fs::metadata(&path).with_context(|| format!("reading {}", path.display()))?.len();
        // Default level, as a web server would compress it on the fly.
        let gzipped = cmd!(sh, "gzip -c {path}").quiet().output()?.stdout.len();
        println!("  {name:<18} {:>10} raw {:>10} gzip", kib(raw), kib(gzipped as u64));
    }
    Ok(())
}

/// The files the server sends precompressed when the browser accepts it (ServeDir's
/// `precompressed_br`/`precompressed_gzip` in server/src/lib.rs): everything big and textual.
const PRECOMPRESSED: &[&str] = &["wasm", "js", "css"];

/// Writes `NAME.br` (brotli, quality 11) and `NAME.gz` (gzip, level 9) beside each of those files:
/// too slow to do per request (the server compresses on the fly at brotli quality 4), and the
/// wasm is the one download that matters. With Node's zlib, already needed for wasm-opt; without
/// Node the server still compresses on the fly.
fn precompress(sh: &Shell, dist: &Path) -> Result<()> {
    let files: Vec<String> = list_files(dist)?
        .into_iter()
        .filter(|f| f.rsplit_once('.').is_some_and(|(_, ext)| PRECOMPRESSED.contains(&ext)))
        .collect();
    let script = "const z = require('zlib'); const fs = require('fs');\
                  for (const f of process.argv.slice(1)) { const d = fs.readFileSync(f);\
                  fs.writeFileSync(f + '.br', z.brotliCompressSync(d, { params: {\
                  [z.constants.BROTLI_PARAM_QUALITY]: 11, [z.constants.BROTLI_PARAM_SIZE_HINT]: d.length } }));\
                  fs.writeFileSync(f + '.gz', z.gzipSync(d, { level: 9 })); }";
    let paths: Vec<std::path::PathBuf> = files.iter().map(|f| dist.join(f)).collect();
    if let Err(e) = cmd!(sh, "node -e {script} {paths...}").quiet().run() {
        eprintln!("warning: no precompressed files ({e}); the server compresses on the fly");
    }
    Ok(())
}

/// Precompressed copies are not part of the app's file list: the browser gets them in place of
/// the originals (`Content-Encoding`).
fn is_precompressed(path: &str) -> bool {
    path.ends_with(".br") || path.ends_with(".gz")
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

/// Copies `from` into `to` recursively. Dotfiles (`.gitkeep`, editor leftovers) are not part of
/// the app and stay behind. Refuses to overwrite, which would mean a static file shadows a
/// generated one.
fn copy_static(from: &Path, to: &Path) -> Result<()> {
    for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let source = entry.path();
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            fs::create_dir_all(&target)?;
            copy_static(&source, &target)?;
        } else if target.exists() {
            bail!("{} would overwrite a generated file in dist", source.display());
        } else {
            fs::copy(&source, &target)
                .with_context(|| format!("copying {} to {}", source.display(), target.display()))?;
        }
    }
    Ok(())
}

/// Fills in the service worker's placeholders from what is actually in `dist`.
fn write_service_worker(dist: &Path) -> Result<()> {
    let sw_path = dist.join(SERVICE_WORKER);
    if !sw_path.exists() {
        eprintln!("warning: no {SERVICE_WORKER} in frontend/static/; the app will not work offline");
        return Ok(());
    }
    let template = fs::read_to_string(&sw_path)?;
    let assets: Vec<String> =
        list_files(dist)?.into_iter().filter(|path| path != SERVICE_WORKER && !is_precompressed(path)).collect();

    // The template is hashed too, so a change to the worker's own logic also starts a new cache.
    let mut hash = Fnv1a::new();
    hash.write(template.as_bytes());
    for path in &assets {
        let contents = fs::read(dist.join(path))?;
        // Lengths separate the fields, so moving bytes between a name and its contents, or
        // between two files, cannot give the same hash input.
        hash.write(&(path.len() as u64).to_le_bytes());
        hash.write(path.as_bytes());
        hash.write(&(contents.len() as u64).to_le_bytes());
        hash.write(&contents);
    }
    let version = format!("{:016x}", hash.finish());

    for placeholder in [ASSET_LIST_PLACEHOLDER, CACHE_VERSION_PLACEHOLDER] {
        if !template.contains(placeholder) {
            eprintln!("warning: {SERVICE_WORKER} has no {placeholder} to fill in");
        }
    }
    let urls = asset_urls(&assets)?;
    let rendered =
        template.replace(ASSET_LIST_PLACEHOLDER, &json_array(&urls)).replace(CACHE_VERSION_PLACEHOLDER, &version);
    fs::write(&sw_path, rendered)?;
    println!("{SERVICE_WORKER}: {} URLs to cache, cache version {version}", urls.len());
    Ok(())
}

/// Every file under `root`, as sorted relative paths with `/` separators.
fn list_files(root: &Path) -> Result<Vec<String>> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> Result<()> {
        for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let entry = entry?;
            let name = entry
                .file_name()
                .into_string()
                .map_err(|name| anyhow::anyhow!("file name {name:?} in {} is not UTF-8", dir.display()))?;
            let path = format!("{prefix}{name}");
            if entry.file_type()?.is_dir() {
                walk(&entry.path(), &format!("{path}/"), out)?;
            } else {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(root, "", &mut files)?;
    files.sort();
    Ok(files)
}

/// Root-relative URLs for the files, plus `/` (served as index.html) so the app's entry URL works
/// offline. Names are limited to characters that need no escaping in a URL or a JS string.
fn asset_urls(paths: &[String]) -> Result<Vec<String>> {
    let mut urls = Vec::with_capacity(paths.len() + 1);
    if paths.iter().any(|path| path == "index.html") {
        urls.push("/".to_string());
    }
    for path in paths {
        let plain = path.chars().all(|c| c.is_ascii_alphanumeric() || "._-/~".contains(c));
        if !plain {
            bail!("dist file {path:?}: use only letters, digits and . _ - ~ in static file names");
        }
        urls.push(format!("/{path}"));
    }
    Ok(urls)
}

/// A JSON array of strings that `asset_urls` has checked need no escaping.
fn json_array(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("\"{item}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

/// 64-bit FNV-1a: a few lines instead of a hashing dependency. The cache version only has to
/// change when the files do; it does not have to resist anyone.
struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The app shell answers every app URL (`/labb/<id>/rapport` …): a relative
    /// asset URL would load from under that path and fail.
    #[test]
    fn the_app_shell_names_its_files_from_the_root() {
        let index =
            fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend/static/index.html")).unwrap();
        let mut found = 0;
        for attr in ["href=\"", "src=\""] {
            for (at, _) in index.match_indices(attr) {
                let url = &index[at + attr.len()..];
                found += 1;
                assert!(
                    url.starts_with('/') && !url.starts_with("//"),
                    "a relative or off-site URL in index.html: {}",
                    &url[..url.find('"').unwrap_or(url.len())]
                );
            }
        }
        assert!(found >= 2, "index.html names its script and style sheet");
    }

    #[test]
    fn fnv1a_matches_the_reference_values() {
        let hash = |text: &str| {
            let mut h = Fnv1a::new();
            h.write(text.as_bytes());
            h.finish()
        };
        assert_eq!(hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(hash("foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn asset_urls_start_with_the_root_and_reject_odd_names() {
        let paths = ["icons/icon-192.png", "index.html", "labblogg.js"].map(String::from);
        assert_eq!(
            json_array(&asset_urls(&paths).unwrap()),
            r#"["/", "/icons/icon-192.png", "/index.html", "/labblogg.js"]"#
        );
        assert!(asset_urls(&["a b.png".to_string()]).is_err());
        assert!(asset_urls(&["\"x\".js".to_string()]).is_err());
    }

    /// A scratch directory of this test process, emptied first.
    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn static_files_are_copied_and_the_service_worker_filled_in() {
        let root = scratch("sw");
        let (static_dir, dist) = (root.join("static"), root.join("dist"));
        fs::create_dir_all(static_dir.join("icons")).unwrap();
        fs::create_dir_all(&dist).unwrap();
        fs::write(static_dir.join("index.html"), "<!doctype html>").unwrap();
        fs::write(static_dir.join("icons/icon.png"), [0u8, 1, 2]).unwrap();
        fs::write(static_dir.join(".gitkeep"), "").unwrap();
        fs::write(
            static_dir.join("sw.js"),
            "const CACHE = \"labblogg-__CACHE_VERSION__\";\nconst ASSETS = __ASSET_LIST__;\n",
        )
        .unwrap();
        fs::write(dist.join("labblogg.js"), "glue").unwrap();

        copy_static(&static_dir, &dist).unwrap();
        write_service_worker(&dist).unwrap();

        assert_eq!(list_files(&dist).unwrap(), ["icons/icon.png", "index.html", "labblogg.js", "sw.js"]);
        let sw = fs::read_to_string(dist.join("sw.js")).unwrap();
        assert!(sw.contains(r#"const ASSETS = ["/", "/icons/icon.png", "/index.html", "/labblogg.js"];"#), "{sw}");
        let version = sw.split("labblogg-").nth(1).unwrap().split('"').next().unwrap();
        assert_eq!(version.len(), 16);
        assert!(version.chars().all(|c| c.is_ascii_hexdigit()));

        // A changed asset gives a new cache version.
        fs::write(dist.join("sw.js"), fs::read(static_dir.join("sw.js")).unwrap()).unwrap();
        fs::write(dist.join("labblogg.js"), "new glue").unwrap();
        write_service_worker(&dist).unwrap();
        let rebuilt = fs::read_to_string(dist.join("sw.js")).unwrap();
        assert!(!rebuilt.contains(version), "{rebuilt}");

        // A static file may not replace a generated one.
        let fresh_dist = root.join("dist2");
        fs::create_dir_all(&fresh_dist).unwrap();
        fs::write(fresh_dist.join("labblogg.js"), "glue").unwrap();
        fs::write(static_dir.join("labblogg.js"), "shadow").unwrap();
        let err = copy_static(&static_dir, &fresh_dist).unwrap_err();
        assert!(err.to_string().contains("labblogg.js"), "{err}");

        fs::remove_dir_all(&root).unwrap();
    }
}
