//! Making sure the external tools the build and the tests need are installed.
//!
//! Every check is cheap (a file lookup or one `--version`), so commands stay fast once the
//! tools are there; only a missing or wrong tool triggers an install.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use xshell::{cmd, Cmd, Shell};

use crate::Workspace;

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Debian's binaryen (108) emits wasm that Chromium rejects (reference types); the npm build of
/// this release is known to work.
const BINARYEN_VERSION: &str = "132";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// LibreOffice's command, for opening the year's .xlsx workbook in a real spreadsheet program
/// (tests/tests/questions_ui.rs converts it to CSV headlessly).
pub const SOFFICE: &str = "/usr/bin/soffice";

/// Everything `dist` needs. Returns the wasm-opt to use, if any.
pub fn ensure_frontend_tools(sh: &Shell, ws: &Workspace) -> Result<Option<PathBuf>> {
    ensure_wasm_target(sh)?;
    ensure_wasm_bindgen(sh, ws)?;
    wasm_opt(sh, ws)
}

/// rustfmt and clippy, for the test command's first step (rustup's minimal profile has neither).
pub fn ensure_lint_tools(sh: &Shell) -> Result<()> {
    if !on_path("rustup") {
        eprintln!("warning: rustup not found; assuming rustfmt and clippy are installed");
        return Ok(());
    }
    let installed = cmd!(sh, "rustup component list --installed").quiet().read()?;
    for component in ["rustfmt", "clippy"] {
        if !installed.lines().any(|line| line.trim().starts_with(component)) {
            cmd!(sh, "rustup component add {component}").run()?;
        }
    }
    Ok(())
}

fn ensure_wasm_target(sh: &Shell) -> Result<()> {
    if !on_path("rustup") {
        eprintln!("warning: rustup not found; assuming the {WASM_TARGET} target is installed");
        return Ok(());
    }
    let installed = cmd!(sh, "rustup target list --installed").quiet().read()?;
    if !installed.lines().any(|line| line.trim() == WASM_TARGET) {
        cmd!(sh, "rustup target add {WASM_TARGET}").run()?;
    }
    Ok(())
}

/// The wasm-bindgen CLI must be exactly the version of the `wasm-bindgen` crate in Cargo.lock:
/// any other version refuses the wasm (or, for the test runner, fails obscurely).
fn ensure_wasm_bindgen(sh: &Shell, ws: &Workspace) -> Result<()> {
    let wanted = locked_version(&ws.root.join("Cargo.lock"), "wasm-bindgen")?;
    // A missing binary is an error from spawning, not a failed status: both mean "install".
    let found = cmd!(sh, "wasm-bindgen --version").quiet().ignore_stderr().read().unwrap_or_default();
    if found.trim() == format!("wasm-bindgen {wanted}") {
        return Ok(());
    }
    eprintln!("wasm-bindgen {wanted} needed, found {:?}; installing", found.trim());
    let cargo = &ws.cargo;
    // No --locked: the registry mirror lacks some of the CLI's locked dependency versions.
    cmd!(sh, "{cargo} install wasm-bindgen-cli --version {wanted}").run()?;
    Ok(())
}

/// The version of `package` recorded in a Cargo.lock.
fn locked_version(lockfile: &Path, package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(lockfile).with_context(|| format!("reading {}", lockfile.display()))?;
    let name_line = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == name_line {
            if let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(version.trim_end_matches('"').to_string());
            }
        }
    }
    bail!("{package} not found in {}", lockfile.display())
}

/// binaryen's wasm-opt from npm, installed under the target directory so it is private to this
/// checkout and removed by `cargo clean`. `None` when npm is unavailable: the build still works,
/// the wasm is only larger.
fn wasm_opt(sh: &Shell, ws: &Workspace) -> Result<Option<PathBuf>> {
    let prefix = ws.target_dir.join("tools/npm");
    let bin = prefix.join("node_modules/.bin/wasm-opt");
    let package_json = prefix.join("node_modules/binaryen/package.json");
    let installed = std::fs::read_to_string(&package_json).ok().and_then(|json| json_string_field(&json, "version"));
    if bin.exists() && installed.is_some_and(|v| v.split('.').next() == Some(BINARYEN_VERSION)) {
        return Ok(Some(bin));
    }
    if !on_path("npm") {
        eprintln!("warning: npm not found; skipping wasm-opt (the wasm will be larger)");
        return Ok(None);
    }
    sh.create_dir(&prefix)?;
    cmd!(sh, "npm install --no-save --no-audit --no-fund --prefix {prefix} binaryen@{BINARYEN_VERSION}").run()?;
    if !bin.exists() {
        bail!("npm installed binaryen but {} is missing", bin.display());
    }
    Ok(Some(bin))
}

/// axe-core's version for the accessibility check in the end-to-end tests.
const AXE_CORE_VERSION: &str = "4.14.1";

/// axe-core from npm (its own prefix, so npm never prunes binaryen while installing it).
/// `None` when npm is unavailable: the accessibility test then fails with that reason.
pub fn axe_core(sh: &Shell, ws: &Workspace) -> Result<Option<PathBuf>> {
    let prefix = ws.target_dir.join("tools/npm-axe");
    let script = prefix.join("node_modules/axe-core/axe.min.js");
    let package_json = prefix.join("node_modules/axe-core/package.json");
    let installed = std::fs::read_to_string(&package_json).ok().and_then(|json| json_string_field(&json, "version"));
    if script.exists() && installed.as_deref() == Some(AXE_CORE_VERSION) {
        return Ok(Some(script));
    }
    if !on_path("npm") {
        eprintln!("warning: npm not found; the accessibility check cannot run");
        return Ok(None);
    }
    sh.create_dir(&prefix)?;
    cmd!(sh, "npm install --no-save --no-audit --no-fund --prefix {prefix} axe-core@{AXE_CORE_VERSION}").run()?;
    Ok(Some(script).filter(|s| s.exists()))
}

/// The first `"field": "value"` in a JSON text. Enough for a package.json's version, without a
/// JSON dependency.
fn json_string_field(json: &str, field: &str) -> Option<String> {
    let after_key = &json[json.find(&format!("\"{field}\""))? + field.len() + 2..];
    let after_colon = after_key.trim_start().strip_prefix(':')?.trim_start();
    let value = after_colon.strip_prefix('"')?;
    Some(value[..value.find('"')?].to_string())
}

/// Chromium and chromedriver from Debian, for the browser and end-to-end tests.
pub fn ensure_browser(sh: &Shell) -> Result<()> {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return Ok(());
    }
    eprintln!("{CHROMIUM} or {CHROMEDRIVER} missing; installing them with apt-get");
    apt_get(sh)?.arg("update").run()?;
    apt_get(sh)?.args(["install", "-y", "chromium", "chromium-driver"]).run()?;
    Ok(())
}

/// Debian's LibreOffice Calc without its GUI (about 90 MB to fetch; on this machine the install
/// took 12 s, `apt-get update` included), so the end-to-end test can open the year's workbook in
/// a real spreadsheet program.
pub fn ensure_libreoffice(sh: &Shell) -> Result<()> {
    if Path::new(SOFFICE).exists() {
        return Ok(());
    }
    eprintln!("{SOFFICE} missing; installing Debian's libreoffice-calc-nogui with apt-get");
    apt_get(sh)?.arg("update").run()?;
    apt_get(sh)?.args(["install", "-y", "--no-install-recommends", "libreoffice-calc-nogui"]).run()?;
    Ok(())
}

/// `apt-get`, through sudo unless we are root already.
pub fn apt_get(sh: &Shell) -> Result<Cmd<'_>> {
    let is_root = cmd!(sh, "id -u").quiet().read()?.trim() == "0";
    // sudo resets the environment, so the variable that keeps apt from asking questions
    // goes on its command line.
    Ok(if is_root {
        cmd!(sh, "apt-get").env("DEBIAN_FRONTEND", "noninteractive")
    } else {
        cmd!(sh, "sudo DEBIAN_FRONTEND=noninteractive apt-get")
    })
}

/// Whether an executable of this name is on PATH (without running it).
fn on_path(name: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(name).is_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_version_from_package_json() {
        let json = "{\n  \"name\": \"binaryen\",\n  \"version\" :\"132.0.0\",\n}";
        assert_eq!(json_string_field(json, "version").as_deref(), Some("132.0.0"));
        assert_eq!(json_string_field(json, "missing"), None);
    }

    #[test]
    fn finds_wasm_bindgen_in_the_workspace_lock() {
        let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
        let version = locked_version(&lock, "wasm-bindgen").unwrap();
        assert_eq!(version.split('.').count(), 3, "{version}");
    }
}
