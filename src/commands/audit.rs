//! `tollgate audit verify FILE`: checks the hash chain of an audit log.

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, GlobalArgs};
use crate::cli::{AuditArgs, AuditCommand};
use crate::policy::audit;

pub fn run(args: &AuditArgs, global: &GlobalArgs) -> anyhow::Result<i32> {
    match &args.command {
        AuditCommand::Verify { file } => {
            let text = match std::fs::read_to_string(file) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("tollgate: error: {}: {e}", file.display());
                    return Ok(EXIT_USAGE);
                }
            };
            match audit::verify(&text) {
                Ok(v) => {
                    if !global.quiet {
                        println!(
                            "{}: {} entries, chain intact; head {}",
                            file.display(),
                            v.entries,
                            v.head
                        );
                    }
                    Ok(EXIT_OK)
                }
                Err(b) => {
                    println!("{}:{}: {}", file.display(), b.line, b.message);
                    Ok(EXIT_FINDINGS)
                }
            }
        }
    }
}
