//! `tollgate db update`: downloads each ecosystem's `all.zip` from osv.dev
//! (or a mirror), only when it changed (conditional request with the
//! previous ETag / Last-Modified), then imports them through the same
//! verified, atomic path as `db import`. The only code in tollgate that
//! touches the network; never run by the tests.

use super::store::{self, Imported, SourceSpec};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// osv.dev's public export bucket (not a package registry). Mirrors:
/// `--base-url` or `TOLLGATE_OSV_URL`.
pub const DEFAULT_BASE_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";
/// The ecosystems `db update` fetches.
pub const ECOSYSTEMS: [&str; 2] = ["PyPI", "npm"];
/// The largest `all.zip` we accept.
const MAX_DOWNLOAD: u64 = 4 << 30;

/// Validators of the last successful download of each URL.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct State {
    urls: BTreeMap<String, Validators>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Validators {
    etag: Option<String>,
    last_modified: Option<String>,
}

/// What happened to one ecosystem's zip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetch {
    Downloaded { bytes: u64 },
    NotModified,
}

/// The result of an update.
pub struct Updated {
    pub fetched: Vec<(String, Fetch)>,
    /// `None` when nothing changed and the current database was kept.
    pub imported: Option<Imported>,
}

fn cache_dir(home: &Path) -> PathBuf {
    store::dir(home).join("cache")
}

fn state_path(home: &Path) -> PathBuf {
    cache_dir(home).join("state.json")
}

/// The URL of an ecosystem's zip under `base`.
pub fn zip_url(base: &str, ecosystem: &str) -> String {
    format!("{}/{ecosystem}/all.zip", base.trim_end_matches('/'))
}

/// Runs the update. `progress` receives one line per step.
pub fn update(home: &Path, base: &str, progress: &dyn Fn(&str)) -> anyhow::Result<Updated> {
    let cache = cache_dir(home);
    std::fs::create_dir_all(&cache)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", cache.display()))?;
    let mut state: State = std::fs::read(state_path(home))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let agent = agent()?;
    let mut fetched = Vec::new();
    let mut specs = Vec::new();
    let mut temps: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut fetch_all = || -> anyhow::Result<()> {
        for eco in ECOSYSTEMS {
            let url = zip_url(base, eco);
            let target = cache.join(format!("{eco}-all.zip"));
            let known = state.urls.get(&url).cloned().filter(|_| target.exists());
            progress(&format!("checking {url}"));
            let tmp = cache.join(format!(".{eco}-all.zip.{}.tmp", std::process::id()));
            let (fetch, validators) = download(&agent, &url, known.as_ref(), &tmp)?;
            let path = match fetch {
                Fetch::NotModified => target.clone(),
                Fetch::Downloaded { .. } => {
                    temps.push((tmp.clone(), target.clone()));
                    tmp
                }
            };
            specs.push(SourceSpec {
                path,
                location: Some(url.clone()),
                etag: validators.etag.clone(),
                last_modified: validators.last_modified.clone(),
            });
            state.urls.insert(url, validators);
            fetched.push((eco.to_string(), fetch));
        }
        Ok(())
    };
    if let Err(e) = fetch_all() {
        for (tmp, _) in &temps {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e);
    }
    let changed = !temps.is_empty() || !store::db_path(home).exists();
    if !changed {
        return Ok(Updated {
            fetched,
            imported: None,
        });
    }
    progress("verifying and importing…");
    let result = store::import(home, &specs, "update");
    // Keep a download only once it imported, so the cache always matches the
    // validators we send next time.
    match result {
        Ok(imported) => {
            for (tmp, target) in temps {
                std::fs::rename(&tmp, &target)
                    .map_err(|e| anyhow::anyhow!("cannot move {}: {e}", tmp.display()))?;
            }
            let json = serde_json::to_vec_pretty(&state)?;
            std::fs::write(state_path(home), json)?;
            Ok(Updated {
                fetched,
                imported: Some(imported),
            })
        }
        Err(e) => {
            for (tmp, _) in temps {
                let _ = std::fs::remove_file(tmp);
            }
            Err(anyhow::anyhow!(
                "the download did not verify ({e}); the current database was kept"
            ))
        }
    }
}

/// An HTTP agent that trusts the system's CA bundle when there is one (so
/// TLS-inspecting proxies configured by the administrator work), else
/// Mozilla's roots. Proxies come from the usual environment variables.
fn agent() -> anyhow::Result<ureq::Agent> {
    let roots = match system_roots() {
        Some(certs) if !certs.is_empty() => ureq::tls::RootCerts::new_with_certs(&certs),
        _ => ureq::tls::RootCerts::WebPki,
    };
    let tls = ureq::tls::TlsConfig::builder().root_certs(roots).build();
    let config = ureq::Agent::config_builder()
        .tls_config(tls)
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_global(Some(Duration::from_secs(30 * 60)))
        .user_agent(concat!("tollgate/", env!("CARGO_PKG_VERSION")))
        .build();
    Ok(config.into())
}

/// Certificates of `SSL_CERT_FILE`, else of the usual system bundle paths.
fn system_roots() -> Option<Vec<ureq::tls::Certificate<'static>>> {
    let candidates = std::env::var_os("SSL_CERT_FILE")
        .map(PathBuf::from)
        .into_iter()
        .chain(
            [
                "/etc/ssl/certs/ca-certificates.crt",
                "/etc/pki/tls/certs/ca-bundle.crt",
                "/etc/ssl/ca-bundle.pem",
                "/etc/ssl/cert.pem",
            ]
            .iter()
            .map(PathBuf::from),
        );
    for path in candidates {
        let Ok(pem) = std::fs::read(&path) else {
            continue;
        };
        let certs: Vec<_> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        if !certs.is_empty() {
            return Some(certs);
        }
    }
    None
}

/// One conditional GET, streamed to `tmp`.
fn download(
    agent: &ureq::Agent,
    url: &str,
    known: Option<&Validators>,
    tmp: &Path,
) -> anyhow::Result<(Fetch, Validators)> {
    let mut req = agent.get(url);
    if let Some(v) = known {
        if let Some(etag) = &v.etag {
            req = req.header("If-None-Match", etag);
        }
        if let Some(lm) = &v.last_modified {
            req = req.header("If-Modified-Since", lm);
        }
    }
    let resp = req.call().map_err(|e| anyhow::anyhow!("{url}: {e}"))?;
    let status = resp.status().as_u16();
    if status == 304
        && let Some(v) = known
    {
        return Ok((Fetch::NotModified, v.clone()));
    }
    if status != 200 {
        anyhow::bail!("{url}: HTTP {status}");
    }
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let validators = Validators {
        etag: header("etag"),
        last_modified: header("last-modified"),
    };
    let mut body = resp.into_body();
    let mut reader = body.with_config().limit(MAX_DOWNLOAD).reader();
    let mut file = std::fs::File::create(tmp)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", tmp.display()))?;
    let bytes = std::io::copy(&mut (&mut reader).take(MAX_DOWNLOAD), &mut file)
        .map_err(|e| anyhow::anyhow!("{url}: download failed: {e}"))?;
    file.sync_all()?;
    Ok((Fetch::Downloaded { bytes }, validators))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_for_mirrors() {
        assert_eq!(
            zip_url("https://mirror.invalid/osv/", "PyPI"),
            "https://mirror.invalid/osv/PyPI/all.zip"
        );
        assert_eq!(
            zip_url(DEFAULT_BASE_URL, "npm"),
            format!("{DEFAULT_BASE_URL}/npm/all.zip")
        );
    }
}
