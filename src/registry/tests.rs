//! The HTTP path end to end against a server on 127.0.0.1 that this test
//! starts and that stops by itself (bounded requests and time).

use super::*;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Instant;

const DOTENV: &str = include_str!("../../tests/fixtures/policy/online/simple-python-dotenv.json");
const PACKUMENT: &str = include_str!("../../tests/fixtures/policy/online/packument-left-pad.json");

/// Serves the recorded fixtures; returns the base URL and the request log.
fn serve(max_requests: usize) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(20);
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
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
            seen.lock().unwrap().push(head.clone());
            let (status, body) = match path.as_str() {
                "/simple/python-dotenv/" => ("200 OK", DOTENV),
                "/npm/left-pad" => ("200 OK", PACKUMENT),
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

fn package(eco: Ecosystem, name: &str, version: &str, origin: Option<Origin>) -> Package {
    let mut p = Package::new(eco, name, Some(version));
    p.origin = origin;
    p
}

#[test]
fn fetches_configured_index_and_lockfile_registry_then_uses_the_cache() {
    let (base, log) = serve(3);
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    let env = Env {
        vars: [("PIP_INDEX_URL".to_string(), format!("{base}/simple"))].into(),
        home: Some(project.path().join("no-home")),
        project: project.path().to_path_buf(),
    };
    let dotenv = package(Ecosystem::Pypi, "python-dotenv", "1.1.1", None);
    let leftpad = package(
        Ecosystem::Npm,
        "left-pad",
        "1.3.0",
        Some(Origin::Registry {
            url: Some(format!("{base}/npm/")),
        }),
    );
    let missing = package(Ecosystem::Pypi, "not-there", "1.0", None);
    let pkgs = vec![&dotenv, &leftpad, &missing];
    let got = lookup_release_times(&pkgs, &Policy::default(), home.path(), &env);
    assert_eq!(
        got.times.get(&dotenv.purl).unwrap().to_string(),
        "2025-06-24T04:21:06.073694Z"
    );
    assert_eq!(
        got.times.get(&leftpad.purl).unwrap().to_string(),
        "2024-09-05T00:40:51.026Z"
    );
    assert_eq!(got.notices.len(), 1, "{:?}", got.notices);
    assert!(got.notices[0].contains("not-there"));
    let requests = log.lock().unwrap().clone();
    assert_eq!(requests.len(), 3);
    let simple = requests
        .iter()
        .find(|r| r.contains("/simple/python-dotenv/"))
        .unwrap();
    assert!(
        simple
            .to_ascii_lowercase()
            .contains("accept: application/vnd.pypi.simple.v1+json")
    );

    // Second run: both answers come from $TOLLGATE_HOME, no request is made.
    let again = lookup_release_times(&[&dotenv, &leftpad], &Policy::default(), home.path(), &env);
    assert_eq!(again.times.len(), 2);
    assert!(again.notices.is_empty());
    assert_eq!(log.lock().unwrap().len(), 3);
}

#[test]
fn nothing_configured_means_no_request() {
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    let env = Env {
        project: project.path().to_path_buf(),
        ..Env::default()
    };
    let p = package(Ecosystem::Npm, "left-pad", "1.3.0", None);
    let got = lookup_release_times(&[&p], &Policy::default(), home.path(), &env);
    assert!(got.times.is_empty());
    assert!(got.notices[0].contains("no index or registry is configured"));
}

#[test]
fn credentials_are_split_from_the_url() {
    assert_eq!(
        split_credentials("https://u:p%40ss@mirror.invalid/simple"),
        (
            "https://mirror.invalid/simple".to_string(),
            Some("u:p@ss".to_string())
        )
    );
    assert_eq!(
        split_credentials("https://mirror.invalid/a@b"),
        ("https://mirror.invalid/a@b".to_string(), None)
    );
}

#[test]
fn loopback_hosts() {
    assert!(is_loopback("http://127.0.0.1:8080/simple/"));
    assert!(is_loopback("http://localhost/x"));
    assert!(is_loopback("http://[::1]:9/x"));
    assert!(!is_loopback("https://mirror.invalid/simple"));
    assert!(!is_loopback("https://127.example.invalid/"));
}
