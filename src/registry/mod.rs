//! Online look-ups, only with `--online`: release times from the index or
//! registry the user configured (or the one a lockfile resolved from),
//! cached under `$TOLLGATE_HOME/cache/release-times`.
//!
//! HTTP goes through `ureq` with rustls and the platform's certificate store
//! (corporate mirrors such as Artifactory often sit behind an internal CA),
//! and the proxy from `HTTPS_PROXY`/`ALL_PROXY`.

pub mod config;
pub mod parse;

pub use config::{Endpoints, Env};

use crate::model::{Ecosystem, Origin, Package};
use crate::policy::Policy;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Largest index response read (a popular project's page is a few MB).
const MAX_RESPONSE: u64 = 64 << 20;
/// A cached page is reused for versions it lacks for this long.
const CACHE_FRESH: Duration = Duration::from_secs(6 * 3600);

/// `Accept` for the JSON simple API (PEP 691).
pub const SIMPLE_JSON: &str = "application/vnd.pypi.simple.v1+json";

/// Version → release time.
pub type Times = BTreeMap<String, jiff::Timestamp>;

/// A response parser: body and project name to times.
type Parser = fn(&str, &str) -> Result<Times, String>;

/// Release times found online, by package purl, and what went wrong.
#[derive(Debug, Default)]
pub struct Lookup {
    pub times: BTreeMap<String, jiff::Timestamp>,
    pub notices: Vec<String>,
}

/// A cached page; times as RFC 3339 text.
#[derive(Serialize, Deserialize)]
struct CacheEntry {
    url: String,
    fetched: String,
    times: BTreeMap<String, String>,
}

impl CacheEntry {
    fn times(&self) -> BTreeMap<String, jiff::Timestamp> {
        self.times
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.parse().ok()?)))
            .collect()
    }
}

/// One page to fetch: a project on one index.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Page {
    ecosystem: Ecosystem,
    name: String,
    url: String,
    token: Option<String>,
}

/// The page holding `p`'s release times: on the registry it was resolved
/// from when the input says, else on the configured one.
fn page_for(p: &Package, ep: &Endpoints) -> Option<Page> {
    let origin = match &p.origin {
        Some(Origin::Registry { url: Some(u) }) => Some(u.as_str()),
        Some(Origin::Registry { url: None }) | None => None,
        Some(_) => return None,
    };
    let (url, token) = match p.ecosystem {
        // Conda channels publish no release times tollgate reads.
        Ecosystem::Conda => return None,
        Ecosystem::Pypi => {
            let base = origin.or(ep.pypi.first().map(String::as_str))?;
            (
                format!("{}/{}/", base.trim_end_matches('/'), p.normalized_name),
                None,
            )
        }
        Ecosystem::Npm => {
            let base = origin.or(ep.npm_for(&p.name))?;
            let url = format!(
                "{}/{}",
                base.trim_end_matches('/'),
                p.name.replace('/', "%2f")
            );
            let token = ep.npm_token(base).map(str::to_string);
            (url, token)
        }
        Ecosystem::Cargo => return None,
    };
    Some(Page {
        ecosystem: p.ecosystem,
        name: p.name.clone(),
        url,
        token,
    })
}

/// Looks up release times for `packages` (those lacking one in their input).
pub fn lookup_release_times(
    packages: &[&Package],
    policy: &Policy,
    home: &Path,
    env: &Env,
) -> Lookup {
    let ep = Endpoints::discover(policy, env);
    let mut pages: BTreeMap<Page, Vec<&Package>> = BTreeMap::new();
    let mut unconfigured = 0;
    for p in packages {
        match page_for(p, &ep) {
            Some(page) => pages.entry(page).or_default().push(p),
            None => unconfigured += 1,
        }
    }
    let mut out = Lookup::default();
    if unconfigured > 0 {
        out.notices.push(format!(
            "cooldown: no index or registry is configured for {unconfigured} package(s) (pip.conf, PIP_INDEX_URL, uv.toml, .npmrc, or `indexes`/`registries` in the policy); their release times are unknown"
        ));
    }
    let cache = home.join("cache").join("release-times");
    let now = jiff::Timestamp::now();
    let results: Vec<(&Page, Result<Times, String>)> = pages
        .par_iter()
        .map(|(page, pkgs)| {
            let wanted: Vec<String> = pkgs
                .iter()
                .filter_map(|p| p.version.as_deref())
                .map(|v| parse::version_key(page.ecosystem, v))
                .collect();
            (page, times_for(page, &wanted, &cache, now))
        })
        .collect();
    let mut failures: Vec<String> = Vec::new();
    for (page, res) in results {
        match res {
            Ok(times) => {
                for p in &pages[page] {
                    let key =
                        parse::version_key(page.ecosystem, p.version.as_deref().unwrap_or(""));
                    if let Some(t) = times.get(&key) {
                        out.times.insert(p.purl.clone(), *t);
                    }
                }
            }
            Err(e) => failures.push(format!("{}: {e}", page.name)),
        }
    }
    if !failures.is_empty() {
        out.notices.push(format!(
            "cooldown: could not fetch release times of {} project(s); first: {}",
            failures.len(),
            failures[0]
        ));
    }
    out
}

fn cache_path(cache: &Path, url: &str) -> PathBuf {
    cache.join(format!(
        "{}.json",
        hex::encode(Sha256::digest(url.as_bytes()))
    ))
}

/// Release times of one project: from the cache when it has the versions
/// wanted (or is fresh), else fetched and cached.
fn times_for(
    page: &Page,
    wanted: &[String],
    cache: &Path,
    now: jiff::Timestamp,
) -> Result<Times, String> {
    let path = cache_path(cache, &page.url);
    if let Some(entry) = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice::<CacheEntry>(&b).ok())
        .filter(|e| e.url == page.url)
    {
        let fresh = entry
            .fetched
            .parse::<jiff::Timestamp>()
            .is_ok_and(|f| now.duration_since(f).as_secs() < CACHE_FRESH.as_secs() as i64);
        if fresh || wanted.iter().all(|w| entry.times.contains_key(w)) {
            return Ok(entry.times());
        }
    }
    let (accept, parse): (&str, Parser) = match page.ecosystem {
        Ecosystem::Pypi => (SIMPLE_JSON, parse::pypi_times),
        _ => ("application/json", |body, _| parse::npm_times(body)),
    };
    let body = fetch(&page.url, accept, page.token.as_deref())?;
    let times = parse(&body, &page.name)?;
    let entry = CacheEntry {
        url: page.url.clone(),
        fetched: now.to_string(),
        times: times
            .iter()
            .map(|(k, v)| (k.clone(), v.to_string()))
            .collect(),
    };
    // A cache that cannot be written only costs a later fetch.
    if std::fs::create_dir_all(cache).is_ok()
        && let Ok(bytes) = serde_json::to_vec(&entry)
    {
        let _ = std::fs::write(&path, bytes);
    }
    Ok(times)
}

/// `GET url` with an `Accept` header and an optional bearer token; basic
/// credentials in the URL (`https://user:pass@host/`) are sent as such.
pub fn fetch(url: &str, accept: &str, token: Option<&str>) -> Result<String, String> {
    use base64::Engine;
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::PlatformVerifier)
        .build();
    let (clean, basic) = split_credentials(url);
    let mut config = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .tls_config(tls);
    // A mirror on this machine is never reached through a proxy.
    if is_loopback(&clean) {
        config = config.proxy(None);
    }
    let agent: ureq::Agent = config.build().into();
    let mut req = agent.get(&clean).header("Accept", accept);
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    } else if let Some(b) = basic {
        let enc = base64::engine::general_purpose::STANDARD.encode(b);
        req = req.header("Authorization", &format!("Basic {enc}"));
    }
    let shown = crate::analyze::hygiene::normalize_url(url);
    let mut resp = req.call().map_err(|e| format!("GET {shown}: {e}"))?;
    resp.body_mut()
        .with_config()
        .limit(MAX_RESPONSE)
        .read_to_string()
        .map_err(|e| format!("GET {shown}: {e}"))
}

fn is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `https://user:pass@host/p` → (`https://host/p`, `Some("user:pass")`).
fn split_credentials(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_string(), None);
    };
    let auth_end = rest.find('/').unwrap_or(rest.len());
    match rest[..auth_end].rfind('@') {
        Some(at) => (
            format!("{scheme}://{}", &rest[at + 1..]),
            Some(crate::model::percent_decode(&rest[..at])),
        ),
        None => (url.to_string(), None),
    }
}

#[cfg(test)]
mod tests;
