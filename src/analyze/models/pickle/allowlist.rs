//! The allowlist: the reconstructors numpy, torch, collections,
//! scikit-learn/joblib, scipy.sparse and the builtin containers write.
//! Exact `(module, name)` pairs where the set is closed; narrow patterns
//! where it is not (torch storages and `_rebuild_*`, classes of
//! `torch.nn.modules.<submodule>`, scikit-learn classes), each checked
//! against what those modules really contain: the patterns accept only real
//! module paths (no attribute walk through an imported module) and refuse
//! the classes scikit-learn re-exports from the standard library.

use super::policy::Context;

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
    ("numpy.ma", "MaskedArray"),
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
    ("sklearn.datasets.base", "Bunch"),
    ("sklearn.datasets._base", "Bunch"),
    ("sklearn.utils", "Bunch"),
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

/// numpy scalar types and type objects: `numpy.float64` is written where an
/// estimator keeps a dtype (`OneHotEncoder(dtype=np.float64)`); calling one
/// makes a number.
const NUMPY_SCALARS: &[&str] = &[
    "bool_",
    "bool",
    "bool8",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "intc",
    "uintc",
    "intp",
    "uintp",
    "int_",
    "uint",
    "longlong",
    "ulonglong",
    "short",
    "ushort",
    "byte",
    "ubyte",
    "half",
    "single",
    "double",
    "longdouble",
    "float16",
    "float32",
    "float64",
    "float96",
    "float128",
    "float_",
    "csingle",
    "cdouble",
    "clongdouble",
    "complex64",
    "complex128",
    "complex192",
    "complex256",
    "complex_",
    "str_",
    "bytes_",
    "unicode_",
    "string_",
    "void",
    "object_",
    "datetime64",
    "timedelta64",
];

/// The submodules of `torch.nn.modules` (PyTorch 1.x–2.x). Full-model
/// pickles name layer classes as `torch.nn.modules.<submodule>.<Class>`.
const TORCH_NN_MODULES: &[&str] = &[
    "activation",
    "adaptive",
    "batchnorm",
    "channelshuffle",
    "container",
    "conv",
    "distance",
    "dropout",
    "flatten",
    "fold",
    "instancenorm",
    "lazy",
    "linear",
    "loss",
    "module",
    "normalization",
    "padding",
    "pixelshuffle",
    "pooling",
    "rnn",
    "sparse",
    "transformer",
    "upsampling",
    "utils",
];

/// CamelCase names that `torch.nn.modules` and scikit-learn modules import
/// from elsewhere and that are not theirs to vouch for: sockets, threads,
/// processes, files, type constructors (enumerated from scikit-learn 1.9's
/// module namespaces; see docs/models.md).
const FOREIGN_CLASSES: &[&str] = &[
    "Client",
    "Listener",
    "Connection",
    "Thread",
    "Timer",
    "Process",
    "Pool",
    "Popen",
    "Path",
    "PosixPath",
    "WindowsPath",
    "PurePath",
    "PathLike",
    "NamedTemporaryFile",
    "TemporaryDirectory",
    "TemporaryFile",
    "SpooledTemporaryFile",
    "GzipFile",
    "BZ2File",
    "LZMAFile",
    "ZipFile",
    "TarFile",
    "BytesIO",
    "StringIO",
    "FileIO",
    "Request",
    "OpenerDirector",
    "Memory",
    "Parallel",
    "ThreadpoolController",
    "ModuleType",
    "Namespace",
    "FunctionType",
    "CodeType",
    "MethodType",
    "LambdaType",
    "Progress",
    "Queue",
    "Executor",
    "ThreadPoolExecutor",
    "ProcessPoolExecutor",
    "CDLL",
    "PyDLL",
    "LibraryLoader",
    "Logger",
    "Handler",
    "Callable",
    "Any",
    "Optional",
    "Union",
    "Generic",
    "Protocol",
    "TypeVar",
    "ParamSpec",
    "NamedTuple",
    "TypedDict",
    "ClassVar",
    "Final",
    "Literal",
    "ABCMeta",
    "PackageImporter",
    "Parameter",
    "Signature",
    "Enum",
    "EnumMeta",
];

/// scikit-learn modules whose names are not estimator state: dataset
/// downloaders, callback transports (sockets), vendored third-party code,
/// test helpers, joblib wrappers.
const SKLEARN_DENIED: &[&str] = &[
    "datasets",
    "callback",
    "externals",
    "_testing",
    "estimator_checks",
    "_joblib",
    "parallel",
    "tests",
    "conftest",
    "_show_versions",
    "_build_utils",
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

pub(super) fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A module path spelled like a real submodule path: lowercase components.
fn is_module_path(m: &str) -> bool {
    m.split('.')
        .all(|c| is_identifier(c) && !c.chars().any(|ch| ch.is_ascii_uppercase()))
}

/// Vetted exact pairs (no patterns, no attribute walks): they win over the
/// dangerous families (`torch.serialization._get_layout`).
pub fn is_exact(module: &str, name: &str) -> bool {
    if module == "builtins" {
        return SAFE_BUILTINS.contains(&name);
    }
    SAFE_EXACT.contains(&(module, name))
        || (module == "torch" && TORCH_VALUES.contains(&name))
        || (module == "numpy" && NUMPY_SCALARS.contains(&name))
}

/// Whether `module.name` resolves to an allowlisted reconstructor. A dotted
/// `name` walks attributes from the module; it is accepted only when the
/// walk lands on an allowed pair of a real module path
/// (`torch` + `_utils._rebuild_tensor_v2`), never through a module another
/// module imported (`torch.nn.modules.module` + `torch.package.…`).
pub fn is_safe(module: &str, name: &str, ctx: Context) -> bool {
    if !module.split('.').all(is_identifier) || !name.split('.').all(is_identifier) {
        return false;
    }
    match name.rsplit_once('.') {
        Some((sub, last)) => pair_safe(&format!("{module}.{sub}"), last, ctx),
        None => pair_safe(module, name, ctx),
    }
}

fn pair_safe(module: &str, name: &str, ctx: Context) -> bool {
    if is_exact(module, name) {
        return true;
    }
    if ctx == Context::TorchScript && (module == "__torch__" || module.starts_with("__torch__.")) {
        // TorchScript types, resolved from the archive's own code by
        // torch.jit.load, never imported.
        return true;
    }
    if module == "torch" {
        return name.ends_with("Storage") && is_class_name(name);
    }
    if module == "torch._utils" {
        return name.starts_with("_rebuild_");
    }
    if let Some(sub) = module.strip_prefix("torch.nn.modules.") {
        return TORCH_NN_MODULES.contains(&sub)
            && is_class_name(name)
            && !FOREIGN_CLASSES.contains(&name);
    }
    if module.starts_with("numpy.random.") {
        // Cython's generated reconstructors of numpy's RNG classes.
        return is_module_path(module) && name.starts_with("__pyx_unpickle_");
    }
    if module == "sklearn" || module.starts_with("sklearn.") {
        return sklearn_safe(module, name);
    }
    if module.starts_with("scipy.sparse") {
        return scipy_sparse_safe(module, name);
    }
    false
}

/// scikit-learn estimators and their Cython helpers are classes, re-created
/// without running code of ours; its functions are not allowed
/// (`sklearn.datasets.fetch_*` downloads, `utils._testing` runs processes),
/// nor classes it merely imports (`sklearn.callback._transport.Client`).
fn sklearn_safe(module: &str, name: &str) -> bool {
    if !is_module_path(module) {
        return false;
    }
    if module.split('.').any(|c| SKLEARN_DENIED.contains(&c)) {
        return false;
    }
    // Trees and distance metrics pickle through a module-level `newObj`
    // helper; Cython classes through generated `__pyx_unpickle_*` functions.
    (is_class_name(name) && !FOREIGN_CLASSES.contains(&name))
        || name == "newObj"
        || name.starts_with("__pyx_unpickle_")
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
