//! `tollgate approve PKG@VERSION --reason TEXT`: records a reviewed version,
//! with the hash of its artifact, in the approvals file beside the policy.

use super::{EXIT_OK, GlobalArgs};
use crate::cli::ApproveArgs;
use crate::model::{Ecosystem, Hash, Package};
use crate::policy::{self, PackageSpec, approvals};
use std::path::Path;

pub fn run(args: &ApproveArgs, global: &GlobalArgs) -> anyhow::Result<i32> {
    let spec = PackageSpec::parse(&args.package).map_err(|e| anyhow::anyhow!(e))?;
    let Some(version) = spec.version.clone() else {
        anyhow::bail!("`{}`: give the exact version, NAME@VERSION", args.package);
    };
    if args.reason.trim().is_empty() {
        anyhow::bail!("--reason must say why this version is acceptable");
    }
    let pol = policy::locate(args.policy.as_deref(), std::slice::from_ref(&args.path))
        .map_err(|e| anyhow::anyhow!("policy: {e}"))?
        .unwrap_or_default();
    let file = pol.approvals_path(&args.path);
    let (ecosystem, name, hash) = identify(&spec, args)?;
    let now = policy::now().map_err(|e| anyhow::anyhow!(e))?;
    let approval = approvals::Approval {
        package: name,
        ecosystem,
        version,
        hash: hash.map(|h| format!("{}:{}", h.algorithm, h.value)),
        reason: args.reason.trim().to_string(),
        by: args.by.clone().unwrap_or_else(|| who(&args.path)),
        at: now.to_string(),
    };
    approvals::append(&file, &approval)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", file.display()))?;
    if !global.quiet {
        eprintln!(
            "tollgate: approved {}@{} ({}) in {}",
            approval.package,
            approval.version,
            approval.hash.as_deref().unwrap_or("no hash recorded"),
            crate::discover::display_path(&file)
        );
    }
    Ok(EXIT_OK)
}

/// The package's ecosystem, name and artifact hash: from `--hash`, else from
/// the inputs under `--path`.
fn identify(
    spec: &PackageSpec,
    args: &ApproveArgs,
) -> anyhow::Result<(Ecosystem, String, Option<Hash>)> {
    let discovered = crate::discover::discover(std::slice::from_ref(&args.path));
    let inv = crate::inventory::build(&discovered, &Default::default());
    let found: Vec<&Package> = inv
        .packages
        .iter()
        .filter(|p| spec.matches(p.ecosystem, &p.name, p.version.as_deref()))
        .collect();
    let mut ecos: Vec<Ecosystem> = found.iter().map(|p| p.ecosystem).collect();
    ecos.dedup();
    if ecos.len() > 1 {
        anyhow::bail!(
            "`{}` exists in several ecosystems; name it with a purl (pkg:npm/…, pkg:pypi/…)",
            args.package
        );
    }
    if let Some(h) = &args.hash {
        let hash = Hash::parse_prefixed(h)
            .ok_or_else(|| anyhow::anyhow!("--hash `{h}`: expected ALG:HEX"))?;
        let eco = spec.ecosystem.or(ecos.first().copied()).ok_or_else(|| {
            anyhow::anyhow!(
                "`{}` is not under {}; name it with a purl so the ecosystem is known",
                args.package,
                args.path.display()
            )
        })?;
        let name = found.first().map_or(spec.name.clone(), |p| p.name.clone());
        return Ok((eco, name, Some(hash)));
    }
    let Some(p) = found.first() else {
        anyhow::bail!(
            "`{}` is not in the inputs under {}; give --path, or --hash ALG:HEX with a purl",
            args.package,
            args.path.display()
        );
    };
    let hashes: Vec<&Hash> = found
        .iter()
        .filter_map(|p| approvals::strongest_hash(p))
        .collect();
    if hashes.windows(2).any(|w| w[0] != w[1]) {
        anyhow::bail!(
            "`{}` has different hashes in different inputs; approve one with --hash",
            args.package
        );
    }
    Ok((
        p.ecosystem,
        p.name.clone(),
        hashes.first().map(|h| (*h).clone()),
    ))
}

/// `git config user.name`, else `$USER`, else `unknown`. git is the user's
/// VCS, not scanned code, so running it is fine.
fn who(dir: &Path) -> String {
    std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["config", "user.name"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("USER").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}
