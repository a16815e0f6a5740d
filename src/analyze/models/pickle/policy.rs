//! Which imports a pickle may make: an allowlist of the reconstructors that
//! numpy, torch, collections, scikit-learn/joblib and the builtin containers
//! write, and a list of module families known to execute code, import
//! modules, touch the network or the file system, or load further pickles.
//! Anything neither allowed nor known-dangerous is *unknown* (still a
//! finding: the stream imports code we cannot vouch for).

use super::allowlist;

/// The verdict on one imported name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// A data reconstructor of a trusted library.
    Safe,
    /// Not on the allowlist.
    Unknown,
    /// Executes code, imports, reaches the network or files, or unpickles
    /// again; the `&str` names the family for the message.
    Dangerous(&'static str),
}

/// What the stream is part of: some globals are safe only inside their own
/// container (`__torch__.*` classes are TorchScript types, resolved by
/// `torch.jit.load` from the archive's own code, never imported).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Context {
    #[default]
    Plain,
    TorchScript,
}

/// Module renames the unpickler applies to protocol 0–2 streams
/// (`_compat_pickle`): classify a Python 2 name as its Python 3 target.
fn compat_module(module: &str) -> &str {
    match module {
        "__builtin__" | "exceptions" => "builtins",
        "copy_reg" => "copyreg",
        "cPickle" => "pickle",
        "UserDict" | "UserList" | "UserString" => "collections",
        "urllib2" => "urllib.request",
        "httplib" => "http.client",
        "commands" => "subprocess",
        "thread" => "_thread",
        "SocketServer" => "socketserver",
        "xmlrpclib" => "xmlrpc.client",
        "cStringIO" | "StringIO" => "io",
        "BaseHTTPServer" | "SimpleHTTPServer" | "CGIHTTPServer" => "http.server",
        "SimpleXMLRPCServer" | "DocXMLRPCServer" => "xmlrpc.server",
        "cookielib" => "http.cookiejar",
        "Cookie" => "http.cookies",
        "urlparse" => "urllib.parse",
        "robotparser" => "urllib.robotparser",
        "Tkinter" => "tkinter",
        "Queue" => "queue",
        "anydbm" | "whichdb" => "dbm",
        "__main__" => "__main__",
        other => other,
    }
}

/// Python 2 builtins the unpickler maps to other modules.
fn compat_name<'a>(module: &'a str, name: &'a str) -> (&'a str, &'a str) {
    match (module, name) {
        ("builtins", "xrange") => ("builtins", "range"),
        ("builtins", "unicode" | "basestring") => ("builtins", "str"),
        ("builtins", "long") => ("builtins", "int"),
        ("builtins", "reduce") => ("functools", "reduce"),
        ("builtins", "intern") => ("sys", "intern"),
        ("builtins", "execfile") => ("builtins", "exec"),
        _ => (module, name),
    }
}

/// Top-level modules (and some submodules) whose every name is dangerous:
/// code execution, imports, processes, network, files, native code,
/// deserialisation, debuggers and attribute-access gadgets.
const DANGEROUS_MODULES: &[(&str, &str)] = &[
    ("os", "process execution / file system"),
    ("posix", "process execution / file system"),
    ("nt", "process execution / file system"),
    ("posixpath", "file system"),
    ("ntpath", "file system"),
    ("subprocess", "process execution"),
    ("_posixsubprocess", "process execution"),
    ("pty", "process execution"),
    ("sys", "interpreter internals"),
    ("_osx_support", "process execution"),
    ("_aix_support", "process execution"),
    ("_pyrepl", "process execution"),
    ("mailcap", "process execution"),
    ("_sitebuiltins", "interpreter internals"),
    ("lib2to3", "code execution"),
    ("tkinter", "code execution (Tcl)"),
    ("_tkinter", "code execution (Tcl)"),
    ("turtle", "code execution (Tcl)"),
    ("wsgiref", "network"),
    ("cgi", "process execution"),
    ("cgitb", "file system"),
    ("test", "code execution"),
    ("mmap", "file system"),
    ("runpy", "code execution"),
    ("code", "code execution"),
    ("codeop", "code execution"),
    ("timeit", "code execution"),
    ("profile", "code execution"),
    ("cProfile", "code execution"),
    ("pdb", "code execution"),
    ("bdb", "code execution"),
    ("trace", "code execution"),
    ("idlelib", "code execution"),
    ("pydoc", "process execution / imports"),
    ("doctest", "code execution"),
    ("unittest", "code execution"),
    ("site", "imports"),
    ("importlib", "imports"),
    ("imp", "imports"),
    ("_imp", "imports"),
    ("pkgutil", "imports"),
    ("zipimport", "imports"),
    ("_frozen_importlib", "imports"),
    ("_frozen_importlib_external", "imports"),
    ("pip", "package installation"),
    ("ensurepip", "package installation"),
    ("venv", "package installation"),
    ("setuptools", "package installation"),
    ("distutils", "process execution"),
    ("pkg_resources", "imports"),
    ("webbrowser", "process execution / network"),
    ("socket", "network"),
    ("_socket", "network"),
    ("ssl", "network"),
    ("socketserver", "network"),
    ("http", "network"),
    ("urllib", "network"),
    ("urllib3", "network"),
    ("requests", "network"),
    ("httpx", "network"),
    ("aiohttp", "network"),
    ("ftplib", "network"),
    ("smtplib", "network"),
    ("poplib", "network"),
    ("imaplib", "network"),
    ("telnetlib", "network"),
    ("nntplib", "network"),
    ("xmlrpc", "network"),
    ("asyncio", "process execution / network"),
    ("multiprocessing", "process execution"),
    ("concurrent", "process execution"),
    ("threading", "code execution"),
    ("_thread", "code execution"),
    ("signal", "interpreter internals"),
    ("atexit", "deferred code execution"),
    ("gc", "interpreter internals"),
    ("inspect", "interpreter internals"),
    ("types", "code construction"),
    ("ctypes", "native code"),
    ("_ctypes", "native code"),
    ("cffi", "native code"),
    ("_winapi", "process execution"),
    ("winreg", "system configuration"),
    ("msvcrt", "process execution"),
    ("marshal", "code deserialisation"),
    ("pickle", "nested unpickling"),
    ("_pickle", "nested unpickling"),
    ("pickletools", "nested unpickling"),
    ("dill", "nested unpickling"),
    ("cloudpickle", "nested unpickling"),
    ("shelve", "nested unpickling"),
    ("yaml", "nested deserialisation"),
    ("functools", "callable wrapper"),
    ("_functools", "callable wrapper"),
    ("operator", "attribute-access gadget"),
    ("_operator", "attribute-access gadget"),
    ("shutil", "file system"),
    ("tempfile", "file system"),
    ("io", "file system"),
    ("_io", "file system"),
    ("codecs", "file system"),
    ("fileinput", "file system"),
    ("glob", "file system"),
    ("pathlib", "file system"),
    ("zipfile", "file system"),
    ("tarfile", "file system"),
    ("gzip", "file system"),
    ("bz2", "file system"),
    ("lzma", "file system"),
    ("sqlite3", "file system / native code"),
    ("dbm", "file system"),
    ("logging", "code execution (logging.config)"),
    ("platform", "process execution"),
    ("sysconfig", "interpreter internals"),
    ("builtins", "builtins"),
    ("__builtins__", "interpreter internals"),
];

/// Dangerous names inside libraries that are otherwise trusted, by prefix of
/// the full dotted path.
const DANGEROUS_PREFIXES: &[(&str, &str)] = &[
    ("torch.load", "nested unpickling"),
    ("torch._utils._import_dotted_name", "imports"),
    ("torch.serialization", "nested unpickling / file system"),
    ("torch.utils.bottleneck", "code execution"),
    ("torch.utils.collect_env", "process execution"),
    ("torch.utils._config_module", "code execution"),
    ("torch.cuda.memory", "file system"),
    ("typing._eval_type", "code execution (eval of a string)"),
    ("typing.get_type_hints", "code execution (eval of a string)"),
    ("typing.ForwardRef", "code execution (eval of a string)"),
    ("dataclasses._create_fn", "code execution (exec of source)"),
    ("uuid._get_command_stdout", "process execution"),
    ("numpy.save", "file system"),
    ("numpy.savez", "file system"),
    ("numpy.savez_compressed", "file system"),
    ("numpy.savetxt", "file system"),
    ("numpy.memmap", "file system"),
    ("numpy.fromfile", "file system"),
    ("numpy.lib._datasource", "network / file system"),
    ("numpy.lib.format.open_memmap", "file system"),
    ("scipy.io", "file system"),
    ("scipy._lib._testutils", "process execution"),
    ("torch.serialization.load", "nested unpickling"),
    ("torch.serialization._load", "nested unpickling"),
    ("torch.jit.load", "nested model loading"),
    ("torch.jit._serialization", "nested model loading"),
    ("torch.hub", "remote code download and execution"),
    ("torch.package", "code execution"),
    ("torch.fx.graph_module", "code execution (exec of source)"),
    ("torch.fx.experimental", "code execution"),
    ("torch.utils.cpp_extension", "native code compilation"),
    ("torch.utils.data", "file system / processes"),
    ("torch.ops.load_library", "native code"),
    ("torch.classes.load_library", "native code"),
    ("torch._C", "interpreter internals"),
    ("torch._dynamo", "code execution"),
    ("torch._inductor", "native code compilation"),
    ("torch.distributed", "network / processes"),
    ("torch.multiprocessing", "process execution"),
    ("torch.testing", "code execution"),
    ("torch.backends", "interpreter internals"),
    ("torch.storage._load_from_bytes", "nested unpickling"),
    ("numpy.load", "nested unpickling"),
    ("numpy.lib.npyio", "nested unpickling"),
    ("numpy.lib._npyio_impl", "nested unpickling"),
    ("numpy.testing", "code execution"),
    ("numpy.f2py", "native code compilation"),
    ("numpy.distutils", "process execution"),
    ("numpy.ctypeslib", "native code"),
    ("numpy.lib.utils", "code execution"),
    ("joblib.load", "nested unpickling"),
    ("joblib.numpy_pickle.load", "nested unpickling"),
    ("joblib.parallel", "process execution"),
    ("joblib.Parallel", "process execution"),
    ("pandas.read_pickle", "nested unpickling"),
    ("pandas.io.pickle", "nested unpickling"),
    ("keras.models.load_model", "nested model loading"),
    ("keras.saving", "nested model loading"),
    ("tensorflow.io", "file system"),
    ("tensorflow.keras.models.load_model", "nested model loading"),
    ("sklearn.utils._testing", "process execution"),
    ("sklearn.datasets", "network / file system"),
    ("copyreg.add_extension", "extension registry tampering"),
    ("copyreg.pickle", "reducer registry tampering"),
    ("copyreg.constructor", "reducer registry tampering"),
    ("copyreg.remove_extension", "extension registry tampering"),
    (
        "copyreg.clear_extension_cache",
        "extension registry tampering",
    ),
];

/// Builtins that execute, import, open files or reach attributes.
const DANGEROUS_BUILTINS: &[&str] = &[
    "eval",
    "exec",
    "compile",
    "__import__",
    "getattr",
    "setattr",
    "delattr",
    "open",
    "breakpoint",
    "globals",
    "locals",
    "vars",
    "input",
    "help",
    "type",
    "super",
    "memoryview",
    "__build_class__",
    "__loader__",
    "__spec__",
    "apply",
    "execfile",
    "file",
    "classmethod",
    "staticmethod",
    "property",
    "exit",
    "quit",
];

/// Classifies `module.name` as the unpickler would resolve it: vetted exact
/// pairs first, then the dangerous families (checked along the whole
/// attribute walk), then the allowlist's patterns.
pub fn classify(module: &str, name: &str, ctx: Context) -> Verdict {
    let module = compat_module(module);
    let (module, name) = compat_name(module, name);
    if allowlist::is_exact(module, name) {
        return Verdict::Safe;
    }
    if let Some(family) = dangerous(module, name) {
        return Verdict::Dangerous(family);
    }
    if allowlist::is_safe(module, name, ctx) {
        return Verdict::Safe;
    }
    Verdict::Unknown
}

/// The family of a dangerous name, if it is one. The whole dotted path is
/// checked from every component on: an attribute walk can re-enter any
/// module another module imported (`torch.nn.modules.module.torch.package`).
fn dangerous(module: &str, name: &str) -> Option<&'static str> {
    let full = format!("{module}.{name}");
    let starts = std::iter::once(0).chain(full.match_indices('.').map(|(i, _)| i + 1));
    for start in starts {
        let tail = &full[start..];
        for (prefix, family) in DANGEROUS_PREFIXES {
            if tail == *prefix || tail.starts_with(&format!("{prefix}.")) {
                return Some(family);
            }
        }
    }
    let top = module.split('.').next().unwrap_or(module);
    if top == "builtins" || top == "__builtin__" {
        let first = name.split('.').next().unwrap_or(name);
        if DANGEROUS_BUILTINS.contains(&first) {
            return Some("code execution / attribute access");
        }
        // Other builtins (print, map …) are not known-dangerous by themselves.
        return interior_danger(name);
    }
    if let Some((_, family)) = DANGEROUS_MODULES.iter().find(|(m, _)| *m == top) {
        return Some(family);
    }
    // `torch.os.system`, `collections.__builtins__`: an attribute walk that
    // reaches a dangerous module or an interpreter internal.
    interior_danger(&full[top.len()..])
}

fn interior_danger(path: &str) -> Option<&'static str> {
    for comp in path.split('.').filter(|c| !c.is_empty()) {
        if comp.len() > 4 && comp.starts_with("__") && comp.ends_with("__") && comp != "__main__" {
            return Some("interpreter internals");
        }
        if let Some((_, family)) = DANGEROUS_MODULES
            .iter()
            .find(|(m, _)| *m == comp && *m != "builtins")
        {
            return Some(family);
        }
        if matches!(
            comp,
            "system" | "popen" | "exec" | "eval" | "execfile" | "spawn" | "getattr" | "loads"
        ) {
            return Some("code execution");
        }
    }
    None
}

/// Callables that unpickle (or otherwise load) another serialised object
/// from their argument: when the argument is a bytes literal of the stream,
/// the nested payload is scanned too.
pub fn is_nested_loader(module: &str, name: &str) -> bool {
    let module = compat_module(module);
    matches!(
        (module, name),
        ("pickle" | "_pickle" | "dill" | "cloudpickle", "loads")
            | ("torch.storage", "_load_from_bytes")
            | ("marshal", "loads")
            | ("numpy", "loads")
    )
}

/// Whether a top-level module is in a dangerous family (for code readers).
pub fn is_dangerous_module(module: &str) -> bool {
    let top = compat_module(module.split('.').next().unwrap_or(module));
    DANGEROUS_MODULES.iter().any(|(m, _)| *m == top)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(m: &str, n: &str) -> Verdict {
        classify(m, n, Context::Plain)
    }

    #[test]
    fn allowlist() {
        assert_eq!(v("collections", "OrderedDict"), Verdict::Safe);
        assert_eq!(v("torch._utils", "_rebuild_tensor_v2"), Verdict::Safe);
        assert_eq!(v("torch", "_utils._rebuild_tensor_v2"), Verdict::Safe);
        assert_eq!(v("torch", "FloatStorage"), Verdict::Safe);
        assert_eq!(v("numpy.core.multiarray", "_reconstruct"), Verdict::Safe);
        assert_eq!(v("__builtin__", "set"), Verdict::Safe);
        assert_eq!(v("__builtin__", "xrange"), Verdict::Safe);
        assert_eq!(
            v("sklearn.linear_model._logistic", "LogisticRegression"),
            Verdict::Safe
        );
        assert_eq!(v("scipy.sparse._csr", "csr_matrix"), Verdict::Safe);
        assert_eq!(v("torch.nn.modules.linear", "Linear"), Verdict::Safe);
    }

    #[test]
    fn dangerous_families() {
        for (m, n) in [
            ("os", "system"),
            ("posix", "system"),
            ("nt", "system"),
            ("builtins", "exec"),
            ("__builtin__", "eval"),
            ("builtins", "getattr"),
            ("pip", "main"),
            ("pip._internal.cli.main", "main"),
            ("runpy", "run_path"),
            ("numpy.testing._private.utils", "runstring"),
            ("numpy", "testing._private.utils.runstring"),
            ("torch", "os.system"),
            ("collections", "__builtins__"),
            ("torch.serialization", "load"),
            ("cPickle", "loads"),
            ("_pickle", "loads"),
            ("functools", "partial"),
            ("operator", "attrgetter"),
            ("copy_reg", "add_extension"),
            ("asyncio.subprocess", "create_subprocess_shell"),
            ("builtins", "reduce"),
            ("commands", "getoutput"),
        ] {
            assert!(matches!(v(m, n), Verdict::Dangerous(_)), "{m}.{n}");
        }
    }

    #[test]
    fn unknown_is_neither() {
        assert_eq!(v("__main__", "Model"), Verdict::Unknown);
        assert_eq!(v("builtins", "print"), Verdict::Unknown);
        assert_eq!(v("sklearn.utils", "fetch_thing"), Verdict::Unknown);
        assert_eq!(v("numpy", "array"), Verdict::Unknown);
        assert_eq!(v("__torch__", "Module"), Verdict::Unknown);
        assert_eq!(
            classify("__torch__.m", "Module", Context::TorchScript),
            Verdict::Safe
        );
        assert_eq!(v("torch", "nn.modules.linear.Linear"), Verdict::Safe);
    }

    #[test]
    fn patterns_accept_only_real_module_paths() {
        // Attribute walks out of an allowlisted module into another one.
        for (m, n) in [
            ("torch.nn.modules.module", "torch.package.PackageImporter"),
            ("torch.nn.modules.linear", "torch.multiprocessing.Process"),
            ("torch", "_utils._import_dotted_name"),
            ("torch.serialization", "_open_file"),
            ("numpy", "save"),
        ] {
            assert!(matches!(v(m, n), Verdict::Dangerous(_)), "{m}.{n}");
        }
        // Classes scikit-learn or torch.nn import from elsewhere.
        assert_eq!(v("sklearn.callback._transport", "Client"), Verdict::Unknown);
        assert_eq!(v("sklearn.utils.validation", "Parameter"), Verdict::Unknown);
        assert_eq!(v("torch.nn.modules.module", "Callable"), Verdict::Unknown);
        assert_eq!(v("torch.nn.modules.evil", "Linear"), Verdict::Unknown);
        assert_eq!(v("sklearn.Base.x", "Estimator"), Verdict::Unknown);
        // Still allowed: what the libraries write.
        assert_eq!(v("numpy", "float64"), Verdict::Safe);
        assert_eq!(v("numpy.ma", "MaskedArray"), Verdict::Safe);
        assert_eq!(v("torch.serialization", "_get_layout"), Verdict::Safe);
        assert_eq!(v("sklearn.utils._bunch", "Bunch"), Verdict::Safe);
        assert_eq!(v("sklearn.datasets.base", "Bunch"), Verdict::Safe);
        assert_eq!(v("sklearn.tree._tree", "Tree"), Verdict::Safe);
        assert_eq!(v("torch.nn.modules.container", "Sequential"), Verdict::Safe);
    }
}
