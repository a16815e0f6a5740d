//! Compiles the bundled OSV snapshot (`data/osv/*.zip`) into the database
//! format tollgate reads at run time, so a fresh build scans with no set-up
//! and no network, and loading costs nothing. The record parser, the
//! compiler and the version orders are the library's own modules, included
//! by path.

#[allow(dead_code)]
#[path = "src/osv/record.rs"]
mod record;

#[allow(dead_code)]
#[path = "src/osv/format.rs"]
mod format;

#[allow(dead_code)]
#[path = "src/osv/compile.rs"]
mod compile;

#[allow(dead_code)]
#[path = "src/osv/semver.rs"]
mod semver;

#[allow(dead_code)]
#[path = "src/osv/version.rs"]
mod version;

use std::io::Read;
use std::path::Path;

/// The bundled snapshot, in the order the sources are listed.
const ZIPS: [&str; 3] = ["PyPI.zip", "npm.zip", "MAL.zip"];

fn main() {
    for f in [
        "src/osv/record.rs",
        "src/osv/format.rs",
        "src/osv/compile.rs",
    ] {
        println!("cargo:rerun-if-changed={f}");
    }
    let mut compiler = compile::Compiler::default();
    for name in ZIPS {
        let path = Path::new("data/osv").join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        compiler.source(name, &format!("embedded:data/osv/{name}"));
        if let Err(e) = read_zip(&path, &mut compiler) {
            println!("cargo:warning=bundled OSV data {}: {e}", path.display());
        }
    }
    let out = std::env::var_os("OUT_DIR").map(std::path::PathBuf::from);
    let Some(out) = out else {
        panic!("OUT_DIR is not set");
    };
    match compiler.finish("embedded", None) {
        Ok(bytes) => {
            if let Err(e) = std::fs::write(out.join("osv.tgdb"), bytes) {
                panic!("cannot write the embedded advisory database: {e}");
            }
        }
        Err(e) => panic!("cannot compile the embedded advisory database: {e}"),
    }
}

/// Reads every `*.json` member of a bundled zip into the compiler. The
/// bundled zips are ours, so no limits beyond what the zip crate checks.
fn read_zip(path: &Path, compiler: &mut compile::Compiler) -> Result<(), String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| e.to_string())?;
        let member = String::from_utf8_lossy(entry.name_raw()).into_owned();
        if !entry.is_file() || !member.ends_with(".json") {
            continue;
        }
        buf.clear();
        entry
            .read_to_end(&mut buf)
            .map_err(|e| format!("{member}: {e}"))?;
        match record::parse(&buf) {
            Ok(parsed) => compiler.add(parsed),
            Err(e) => {
                compiler.error();
                println!("cargo:warning={}!/{member}: {}", path.display(), e.message);
            }
        }
    }
    Ok(())
}
