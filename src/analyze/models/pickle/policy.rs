//! Which imports a pickle may make: an allowlist of the reconstructors that
//! numpy, torch, collections, scikit-learn/joblib and the builtin containers
//! write, and a list of module families known to execute code, import
//! modules, touch the network or the file system, or load further pickles.
//! Anything neither allowed nor known-dangerous is *unknown* (still a
//! finding: the stream imports code we cannot vouch for).

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

/// Builtin containers and value types: safe to construct with any arguments.
const SAFE_BUILTINS: &[&str] = &[
    "set",
    "frozenset",
    "list",
    "dict",
    "tuple",
    "bytearray",
    "bytes",
    "str",
    "int",
    "float",
    "complex",
    "bool",
    "slice",
    "range",
    "object",
    "NoneType",
    "Ellipsis",
    "NotImplemented",
];

/// Exact (module, name) pairs that are data reconstructors.
const SAFE_EXACT: &[(&str, &str)] = &[
    // Safe only with the (str, 'latin1') arguments numpy writes; other shapes are
    // reported by the interpreter's argument check.
    ("_codecs", "encode"),
    ("collections", "OrderedDict"),
    ("collections", "defaultdict"),
    ("collections", "deque"),
    ("collections", "Counter"),
    ("copyreg", "_reconstructor"),
    ("copyreg", "__newobj__"),
    ("copyreg", "__newobj_ex__"),
    ("datetime", "datetime"),
    ("datetime", "date"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("decimal", "Decimal"),
    ("fractions", "Fraction"),
    ("uuid", "UUID"),
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy", "matrix"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core._internal", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy.matrixlib.defmatrix", "matrix"),
    ("numpy.ma.core", "_mareconstruct"),
    ("numpy.ma.core", "MaskedArray"),
    ("numpy.random._pickle", "__randomstate_ctor"),
    ("numpy.random._pickle", "__generator_ctor"),
    ("numpy.random._pickle", "__bit_generator_ctor"),
    ("numpy.random.mtrand", "RandomState"),
    ("numpy.random._generator", "Generator"),
    ("numpy.random._pcg64", "PCG64"),
    ("numpy.random._pcg64", "PCG64DXSM"),
    ("numpy.random._mt19937", "MT19937"),
    ("numpy.random._philox", "Philox"),
    ("numpy.random._sfc64", "SFC64"),
    ("numpy.random.bit_generator", "SeedSequence"),
    ("joblib.numpy_pickle", "NumpyArrayWrapper"),
    ("joblib.numpy_pickle", "NDArrayWrapper"),
    ("joblib.numpy_pickle_compat", "NDArrayWrapper"),
    ("joblib.numpy_pickle_compat", "ZNDArrayWrapper"),
    ("sklearn.externals.joblib.numpy_pickle", "NumpyArrayWrapper"),
    ("torch", "Size"),
    ("torch", "device"),
    ("torch", "Tensor"),
    ("torch", "UntypedStorage"),
    ("torch", "TypedStorage"),
    ("torch.storage", "UntypedStorage"),
    ("torch.storage", "TypedStorage"),
    ("torch.serialization", "_get_layout"),
    ("torch._tensor", "_rebuild_from_type"),
    ("torch._tensor", "_rebuild_from_type_v2"),
    ("torch.nn.parameter", "Parameter"),
    ("torch.nn.parameter", "Buffer"),
    ("torch.nn.parameter", "UninitializedParameter"),
    ("torch.nn.parameter", "UninitializedBuffer"),
    ("torch.jit._pickle", "build_intlist"),
    ("torch.jit._pickle", "build_tensorlist"),
    ("torch.jit._pickle", "build_doublelist"),
    ("torch.jit._pickle", "build_boollist"),
    ("torch.jit._pickle", "build_complexlist"),
    ("torch.jit._pickle", "build_tensor_from_id"),
    ("torch.jit._pickle", "restore_type_tag"),
];

/// Module attributes of `torch` that are plain values (dtypes, layouts,
/// memory formats) and appear as globals in every state dict.
const TORCH_VALUES: &[&str] = &[
    "float",
    "float16",
    "float32",
    "float64",
    "double",
    "half",
    "bfloat16",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "int8",
    "int16",
    "short",
    "int32",
    "int",
    "int64",
    "long",
    "bool",
    "complex32",
    "complex64",
    "complex128",
    "cfloat",
    "cdouble",
    "chalf",
    "qint8",
    "quint8",
    "qint32",
    "quint4x2",
    "quint2x4",
    "float8_e4m3fn",
    "float8_e5m2",
    "float8_e4m3fnuz",
    "float8_e5m2fnuz",
    "float8_e8m0fnu",
    "float4_e2m1fn_x2",
    "bits8",
    "bits16",
    "strided",
    "sparse_coo",
    "sparse_csr",
    "sparse_csc",
    "sparse_bsr",
    "sparse_bsc",
    "_mkldnn",
    "contiguous_format",
    "channels_last",
    "channels_last_3d",
    "preserve_format",
];

/// scipy.sparse formats whose matrix/array classes scikit-learn models hold.
const SCIPY_SPARSE: &[&str] = &["csr", "csc", "coo", "bsr", "dia", "dok", "lil"];

/// Whether `name` is a class name by convention (CamelCase after leading
/// underscores) and a plain identifier (no dots).
fn is_class_name(name: &str) -> bool {
    let trimmed = name.trim_start_matches('_');
    trimmed
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Classifies `module.name` as the unpickler would resolve it.
pub fn classify(module: &str, name: &str, ctx: Context) -> Verdict {
    let module = compat_module(module);
    let (module, name) = compat_name(module, name);
    if is_safe(module, name, ctx) {
        return Verdict::Safe;
    }
    if let Some(family) = dangerous(module, name) {
        return Verdict::Dangerous(family);
    }
    Verdict::Unknown
}

fn is_safe(module: &str, name: &str, ctx: Context) -> bool {
    // Every path component must be a plain identifier: `os.path`-style
    // modules are fine, but a name with spaces or slashes is not a class.
    if !module.split('.').all(is_identifier) || !name.split('.').all(is_identifier) {
        return false;
    }
    if module == "builtins" {
        return SAFE_BUILTINS.contains(&name);
    }
    if SAFE_EXACT.contains(&(module, name)) {
        return true;
    }
    if name.contains('.') {
        // A dotted name walks attributes from the module: allow it only when
        // the walk lands on an allowlisted (module, name) pair.
        if let Some((sub, last)) = name.rsplit_once('.') {
            let joined = format!("{module}.{sub}");
            return is_safe(&joined, last, ctx);
        }
    }
    match module {
        "torch" => {
            TORCH_VALUES.contains(&name) || (name.ends_with("Storage") && is_class_name(name))
        }
        "torch._utils" => name.starts_with("_rebuild_"),
        _ if ctx == Context::TorchScript && module.starts_with("__torch__") => true,
        _ if module.starts_with("torch.nn.modules.") => is_class_name(name),
        // Cython's generated reconstructor of a class of numpy's RNG.
        _ if module.starts_with("numpy.random.") => name.starts_with("__pyx_unpickle_"),
        _ if module == "sklearn" || module.starts_with("sklearn.") => sklearn_safe(module, name),
        _ if module.starts_with("scipy.sparse") => scipy_sparse_safe(module, name),
        _ => false,
    }
}

/// scikit-learn estimators and their Cython helpers are classes,
/// re-created without running code of ours; its functions are not allowed
/// (`sklearn.datasets.fetch_*` downloads, `utils._testing` runs processes).
fn sklearn_safe(module: &str, name: &str) -> bool {
    if dangerous(module, name).is_some() {
        return false;
    }
    // Trees and distance metrics pickle through a module-level `newObj`
    // helper; Cython classes through generated `__pyx_unpickle_*` functions.
    is_class_name(name) || name == "newObj" || name.starts_with("__pyx_unpickle_")
}

fn scipy_sparse_safe(module: &str, name: &str) -> bool {
    let Some(fmt) = module
        .strip_prefix("scipy.sparse._")
        .or_else(|| module.strip_prefix("scipy.sparse."))
        .or_else(|| (module == "scipy.sparse").then_some(""))
    else {
        return false;
    };
    SCIPY_SPARSE.iter().any(|f| {
        (fmt.is_empty() || fmt == *f || fmt == "arrays" || fmt == "matrix")
            && (name == format!("{f}_matrix") || name == format!("{f}_array"))
    })
}

/// The family of a dangerous name, if it is one.
fn dangerous(module: &str, name: &str) -> Option<&'static str> {
    let full = format!("{module}.{name}");
    for (prefix, family) in DANGEROUS_PREFIXES {
        if full == *prefix || full.starts_with(&format!("{prefix}.")) {
            return Some(family);
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
}
