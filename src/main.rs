//! The tollgate binary: parse arguments, run the command, exit with its code.

use clap::Parser;

fn main() {
    let cli = tollgate::cli::Cli::parse();
    std::process::exit(tollgate::commands::run(cli));
}
