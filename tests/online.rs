//! `scan --online` end to end: release times for the cooldown come from a
//! server on 127.0.0.1 started here (recorded responses; bounded requests and
//! time), found through the user's configuration, and are cached.

mod common;
use common::*;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn serve(max_requests: usize) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    let simple =
        std::fs::read_to_string(fixture("policy/online/simple-python-dotenv.json")).unwrap();
    let packument =
        std::fs::read_to_string(fixture("policy/online/packument-left-pad.json")).unwrap();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut served = 0;
        while served < max_requests && Instant::now() < deadline {
            let Ok((stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            };
            served += 1;
            stream.set_nonblocking(false).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let path = request.split_whitespace().nth(1).unwrap_or("").to_string();
            seen.lock().unwrap().push(path.clone());
            let (status, body) = match path.as_str() {
                "/simple/python-dotenv/" => ("200 OK", simple.as_str()),
                "/npm/left-pad" => ("200 OK", packument.as_str()),
                _ => ("404 Not Found", "{}"),
            };
            let mut s = stream;
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (base, log)
}

/// A project: an npm lockfile resolved from the local registry, an installed
/// Python package, and a 7-day cooldown policy.
fn project(base: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let lock = std::fs::read_to_string(fixture("policy/diff/head/package-lock.json"))
        .unwrap()
        .replace("https://registry.npm.invalid/", &format!("{base}/npm/"));
    let npm = dir.path().join("web");
    std::fs::create_dir_all(&npm).unwrap();
    std::fs::write(npm.join("package-lock.json"), lock).unwrap();
    let sp = dir
        .path()
        .join("venv/site-packages/python_dotenv-1.1.1.dist-info");
    std::fs::create_dir_all(&sp).unwrap();
    for f in ["METADATA", "RECORD", "INSTALLER"] {
        std::fs::copy(
            fixture(&format!(
                "policy/online/site-packages/python_dotenv-1.1.1.dist-info/{f}"
            )),
            sp.join(f),
        )
        .unwrap();
    }
    std::fs::write(
        dir.path().join("tollgate.toml"),
        "min-release-age = \"7d\"\n",
    )
    .unwrap();
    dir
}

fn scan(
    home: &Path,
    user_home: &Path,
    dir: &Path,
    base: &str,
    online: bool,
    now: &str,
) -> serde_json::Value {
    let mut cmd = tollgate(home);
    for k in [
        "PIP_CONFIG_FILE",
        "UV_INDEX_URL",
        "UV_DEFAULT_INDEX",
        "NPM_CONFIG_REGISTRY",
        "npm_config_registry",
        "VIRTUAL_ENV",
    ] {
        cmd.env_remove(k);
    }
    cmd.env("HOME", user_home)
        .env("PIP_INDEX_URL", format!("{base}/simple"))
        .env("TOLLGATE_NOW", now)
        .current_dir(dir)
        .args(["scan", ".", "--format", "json", "--fail-on", "never"]);
    if online {
        cmd.arg("--online");
    }
    let out = cmd.output().unwrap();
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

fn cooldown(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "TG408")
        .map(|f| f["package"]["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn cooldown_with_release_times_from_the_configured_index_and_registry() {
    let (base, log) = serve(100);
    let home = tempfile::tempdir().unwrap();
    let user_home = tempfile::tempdir().unwrap();
    let dir = project(&base);

    // Offline: no time is known, so nothing is judged, and the report says so.
    let v = scan(
        home.path(),
        user_home.path(),
        dir.path(),
        &base,
        false,
        "2025-06-26T00:00:00Z",
    );
    assert!(cooldown(&v).is_empty());
    let notices = v["tool"]["notices"].to_string();
    assert!(notices.contains("--online"), "{notices}");
    assert!(
        log.lock().unwrap().is_empty(),
        "no request without --online"
    );

    // Online, two days after python-dotenv 1.1.1 was uploaded: it is too young;
    // left-pad 1.3.0 (2024) is old enough.
    let v = scan(
        home.path(),
        user_home.path(),
        dir.path(),
        &base,
        true,
        "2025-06-26T00:00:00Z",
    );
    assert_eq!(
        cooldown(&v),
        vec!["python-dotenv"],
        "{}",
        v["tool"]["notices"]
    );
    let requests = log.lock().unwrap().clone();
    assert!(
        requests.contains(&"/simple/python-dotenv/".to_string()),
        "{requests:?}"
    );
    assert!(
        requests.contains(&"/npm/left-pad".to_string()),
        "{requests:?}"
    );

    // Later, from the cache: no new request for the pages already fetched.
    let before = log.lock().unwrap().len();
    let v = scan(
        home.path(),
        user_home.path(),
        dir.path(),
        &base,
        true,
        "2025-07-30T00:00:00Z",
    );
    assert!(cooldown(&v).is_empty());
    let after = log.lock().unwrap().clone();
    assert!(!after[before..].contains(&"/npm/left-pad".to_string()));
    assert!(home.path().join("cache/release-times").is_dir());
}
