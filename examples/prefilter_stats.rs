//! Which pre-filter reasons make corpus files worth parsing (tuning aid).
use std::collections::BTreeMap;
fn main() {
    let list = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap();
    let mut reasons: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let (mut total, mut bytes) = (0usize, 0usize);
    let t = std::time::Instant::now();
    for path in list.lines() {
        let Ok(src) = std::fs::read(path) else {
            continue;
        };
        total += 1;
        bytes += src.len();
        let h = tollgate::analyze::behavior::prefilter::scan(&src);
        if !h.worth_parsing() {
            continue;
        }
        let why = if h.target & h.act != 0 {
            format!("target:{}", h.strong_by.first().copied().unwrap_or(""))
        } else if h.exec_near_decode {
            "exec+decode".into()
        } else if h.builtins && h.exec {
            "builtins".into()
        } else if h.hex_idents >= 8 {
            "hex".into()
        } else {
            "top-level".into()
        };
        if why == "top-level" && std::env::var_os("SHOW").is_some() {
            println!("TL {} {}", src.len(), path);
        }
        let e = reasons.entry(why).or_default();
        e.0 += 1;
        e.1 += src.len();
    }
    println!("{total} files {bytes} bytes in {:?}", t.elapsed());
    let mut v: Vec<_> = reasons.into_iter().collect();
    v.sort_by_key(|x| std::cmp::Reverse(x.1.1));
    for (k, (n, b)) in v.iter().take(40) {
        println!("{n:>6} {b:>10} {k}");
    }
}
