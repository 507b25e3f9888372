//! The steps of the release: the server binary, then the site.
//!
//! The browser module goes through the same pipeline Leptos's own build tool
//! runs for `--split`: compile for `wasm32-unknown-unknown` keeping the
//! linker's relocations, cut it into the main module and the pieces fetched
//! on demand (wasm-split, at the split points the code marks), generate the
//! JavaScript bindings of the main module (wasm-bindgen), then optimise every
//! module for size (wasm-opt). Roster adds one step before the split: the
//! trim (trim.rs), which cuts out code Leptos links but Roster never runs.

use crate::steps::{Failure, StepError, Steps};
use crate::{trim, Layout};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// How many steps `build_site` reports.
pub const STEPS: usize = 7;

/// The profile of the browser module (size-optimised, in `Cargo.toml`).
const WASM_PROFILE: &str = "wasm-release";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The module wasm-split's pieces import their loader from; Leptos looks for this name.
const SPLIT_LINK_NAME: &str = "./__wasm_split.______________________.js";
/// Leptos reads which pieces to prefetch with each split point from here.
const SPLIT_MANIFEST: &str = "__wasm_split_manifest.json";

pub fn build_server(layout: &Layout) -> Result<(), Failure> {
    cargo(layout, &["build", "--release", "--package", "roster-server"])
}

pub fn build_site(layout: &Layout, steps: &mut Steps) -> Result<(), StepError> {
    let pkg = layout.pkg();
    steps.run("the site's folder, emptied", || {
        if layout.site.exists() {
            fs::remove_dir_all(&layout.site)?;
        }
        fs::create_dir_all(&pkg)?;
        Ok(())
    })?;

    steps.run(&format!("the browser module (cargo build --profile {WASM_PROFILE} --target {WASM_TARGET})"), || {
        cargo(layout, &["build", "--profile", WASM_PROFILE, "--target", WASM_TARGET, "--package", "roster-frontend", "--lib"])
    })?;
    let linked = layout.root.join(format!("target/{WASM_TARGET}/{WASM_PROFILE}/roster_frontend.wasm"));
    let main_module = linked.with_file_name("roster_frontend_split.wasm");

    let pieces = steps.run("the browser module trimmed and split into pieces (wasm-split)", || {
        let mut module = fs::read(&linked).map_err(|e| format!("{}: {e}", linked.display()))?;
        let trimmed = trim::trim(&mut module)?;
        println!("    trim: {trimmed}");
        split(layout, &module, &main_module)
    })?;

    steps.run("the main module's JavaScript bindings (wasm-bindgen)", || bind(layout, &main_module))?;

    let mut modules = vec![pkg.join(format!("{}.wasm", layout.output_name))];
    modules.extend(pieces);
    steps.run(&format!("{} modules optimised for size (wasm-opt -Oz)", modules.len()), || optimise(&modules))?;

    steps.run("the script and the stylesheet minified (esbuild), the public files copied", || {
        let script = pkg.join(format!("{}.js", layout.output_name));
        minify(&script, &script)?;
        minify(&layout.root.join("style/main.css"), &pkg.join(format!("{}.css", layout.output_name)))?;
        copy_folder(&layout.root.join("public"), &layout.site)
    })?;

    steps.run("a brotli and a gzip copy of every file", || {
        let (files, bytes) = compress_folder(&layout.site)?;
        println!("    {files} files, {bytes} bytes before compression");
        Ok(())
    })
}

/// Runs cargo in the repository, showing its progress as it goes.
fn cargo(layout: &Layout, args: &[&str]) -> Result<(), Failure> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo).args(args).current_dir(&layout.root).status()?;
    if !status.success() {
        return Err(format!("cargo {} ended with {status}", args.join(" ")).into());
    }
    Ok(())
}

/// Writes the pieces and the manifest into `pkg/` and the main module to
/// `main_module`; returns the pieces' paths.
fn split(layout: &Layout, module: &[u8], main_module: &Path) -> Result<Vec<PathBuf>, Failure> {
    let pkg = layout.pkg();
    let main_script = format!("./{}.js", layout.output_name);
    let mut options = wasm_split_cli_support::Options::new(module);
    options.output_dir = &pkg;
    options.main_out_path = main_module;
    options.main_module = &main_script;
    options.link_name = SPLIT_LINK_NAME;
    let split = wasm_split_cli_support::transform(options).map_err(|e| format!("{e:?}"))?;
    fs::write(pkg.join(SPLIT_MANIFEST), serde_json::to_string_pretty(&split.prefetch_map)?)?;
    println!("    {} pieces", split.split_modules.len());
    Ok(split.split_modules)
}

/// wasm-bindgen for the web, keeping the exports wasm-split's pieces call;
/// the module is renamed from `NAME_bg.wasm` to `NAME.wasm`, where Leptos
/// looks for it.
fn bind(layout: &Layout, main_module: &Path) -> Result<(), Failure> {
    let pkg = layout.pkg();
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(main_module)
        .web(true)?
        .out_name(layout.output_name)
        .keep_lld_exports(true)
        .demangle(false)
        .typescript(false)
        .omit_default_module_path(false)
        .generate(&pkg)
        .map_err(|e| format!("{e:?}"))?;
    let name = layout.output_name;
    fs::rename(pkg.join(format!("{name}_bg.wasm")), pkg.join(format!("{name}.wasm")))?;
    Ok(())
}

/// wasm-opt (binaryen, which `scripts/install-tools` puts on the path) on
/// every module in place, one per core at a time.
fn optimise(modules: &[PathBuf]) -> Result<(), Failure> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for batch in modules.chunks(cores) {
        let running = batch
            .iter()
            .map(|module| {
                Command::new("wasm-opt")
                    .args(["-Oz", "--enable-bulk-memory", "--enable-nontrapping-float-to-int"])
                    // What built the module and which features it was built
                    // for: some 200 bytes in every piece, and no browser reads them.
                    .args(["--strip-producers", "--strip-target-features"])
                    .arg(module)
                    .arg("-o")
                    .arg(module)
                    // It warns of every name subsection it does not know; shown only if it fails.
                    .stderr(Stdio::piped())
                    .spawn()
                    .map(|child| (module, child))
                    .map_err(|e| format!("wasm-opt could not start ({e}); run scripts/install-tools"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        for (module, child) in running {
            let output = child.wait_with_output()?;
            if !output.status.success() {
                let said = String::from_utf8_lossy(&output.stderr);
                return Err(format!("wasm-opt {} ended with {}:\n{said}", module.display(), output.status).into());
            }
        }
    }
    Ok(())
}

/// esbuild (from npm, which `scripts/install-tools` puts on the path)
/// minifies a script or a stylesheet: about half its size.
fn minify(source: &Path, minified: &Path) -> Result<(), Failure> {
    let before = fs::metadata(source)?.len();
    let written = minified.with_extension(format!("min.{}", minified.extension().and_then(|e| e.to_str()).unwrap_or("")));
    let status = Command::new("esbuild")
        .arg(source)
        .args(["--minify", "--log-level=error"])
        .arg(format!("--outfile={}", written.display()))
        .status()
        .map_err(|e| format!("esbuild could not start ({e}); run scripts/install-tools"))?;
    if !status.success() {
        return Err(format!("esbuild {} ended with {status}", source.display()).into());
    }
    fs::rename(&written, minified)?;
    let name = minified.file_name().unwrap_or_default().to_string_lossy();
    println!("    {name}: {before} → {} bytes", fs::metadata(minified)?.len());
    Ok(())
}

fn copy_folder(from: &Path, to: &Path) -> Result<(), Failure> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_folder(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// Writes `FILE.br` (brotli, quality 11) and `FILE.gz` (gzip -9) beside every
/// file below `folder`, which the server sends to browsers that accept them.
/// Returns how many files and how many bytes it read.
fn compress_folder(folder: &Path) -> Result<(usize, u64), Failure> {
    let (mut files, mut bytes) = (0, 0);
    for entry in fs::read_dir(folder)? {
        let path = entry?.path();
        if path.is_dir() {
            let (f, b) = compress_folder(&path)?;
            files += f;
            bytes += b;
            continue;
        }
        if matches!(path.extension().and_then(|e| e.to_str()), Some("br" | "gz")) {
            continue;
        }
        let content = fs::read(&path)?;
        let with_extension = |extension: &str| {
            let mut name = path.clone().into_os_string();
            name.push(extension);
            PathBuf::from(name)
        };
        let mut brotli = Vec::new();
        let params = brotli::enc::BrotliEncoderParams { quality: 11, ..Default::default() };
        brotli::BrotliCompress(&mut content.as_slice(), &mut brotli, &params)?;
        fs::write(with_extension(".br"), brotli)?;
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gzip.write_all(&content)?;
        fs::write(with_extension(".gz"), gzip.finish()?)?;
        files += 1;
        bytes += content.len() as u64;
    }
    Ok((files, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn every_file_gets_a_brotli_and_a_gzip_copy_that_read_back_the_same() {
        let folder = std::env::temp_dir().join(format!("roster-build-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&folder);
        fs::create_dir_all(folder.join("pkg")).unwrap();
        let script = "export function hello() { return 'Grüße'; }\n".repeat(50);
        fs::write(folder.join("pkg/roster.js"), &script).unwrap();
        fs::write(folder.join("favicon.svg"), "<svg/>").unwrap();

        assert_eq!(compress_folder(&folder).unwrap(), (2, script.len() as u64 + 6));
        // A second run compresses the originals again, not the copies.
        assert_eq!(compress_folder(&folder).unwrap().0, 2);

        let mut from_brotli = Vec::new();
        brotli::BrotliDecompress(&mut fs::read(folder.join("pkg/roster.js.br")).unwrap().as_slice(), &mut from_brotli).unwrap();
        assert_eq!(from_brotli, script.as_bytes());
        let mut from_gzip = String::new();
        flate2::read::GzDecoder::new(fs::File::open(folder.join("pkg/roster.js.gz")).unwrap())
            .read_to_string(&mut from_gzip)
            .unwrap();
        assert_eq!(from_gzip, script);
        assert!(folder.join("favicon.svg.br").exists() && folder.join("favicon.svg.gz").exists());
        fs::remove_dir_all(&folder).unwrap();
    }
}
