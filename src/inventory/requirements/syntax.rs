//! The line syntax of requirements files, as pip reads it: joined lines,
//! comments, options, and telling a URL or path from a PEP 508 requirement.

use super::super::pyreq;

/// How pip names an option, and whether it takes a value.
pub(super) struct OptSpec {
    pub(super) names: &'static [&'static str],
    pub(super) takes_value: bool,
}

pub(super) const OPTIONS: &[OptSpec] = &[
    OptSpec {
        names: &["--requirement", "-r"],
        takes_value: true,
    },
    OptSpec {
        names: &["--constraint", "-c"],
        takes_value: true,
    },
    OptSpec {
        names: &["--editable", "-e"],
        takes_value: true,
    },
    OptSpec {
        names: &["--index-url", "-i"],
        takes_value: true,
    },
    OptSpec {
        names: &["--extra-index-url"],
        takes_value: true,
    },
    OptSpec {
        names: &["--find-links", "-f"],
        takes_value: true,
    },
    OptSpec {
        names: &["--hash"],
        takes_value: true,
    },
    OptSpec {
        names: &["--trusted-host"],
        takes_value: true,
    },
    OptSpec {
        names: &["--use-feature"],
        takes_value: true,
    },
    OptSpec {
        names: &["--no-binary"],
        takes_value: true,
    },
    OptSpec {
        names: &["--only-binary"],
        takes_value: true,
    },
    OptSpec {
        names: &["--global-option"],
        takes_value: true,
    },
    OptSpec {
        names: &["--install-option"],
        takes_value: true,
    },
    OptSpec {
        names: &["--config-settings", "-C"],
        takes_value: true,
    },
    OptSpec {
        names: &["--no-index"],
        takes_value: false,
    },
    OptSpec {
        names: &["--pre"],
        takes_value: false,
    },
    OptSpec {
        names: &["--prefer-binary"],
        takes_value: false,
    },
    OptSpec {
        names: &["--require-hashes"],
        takes_value: false,
    },
];

/// `--opt=value` → (`--opt`, value); `-rfile` → (`-r`, `file`).
pub(super) fn split_option(tok: &str) -> (&str, Option<&str>) {
    if tok.starts_with("--") {
        return match tok.split_once('=') {
            Some((o, v)) => (o, Some(v)),
            None => (tok, None),
        };
    }
    if tok.len() > 2 && tok.is_char_boundary(2) {
        let (o, v) = tok.split_at(2);
        return (o, Some(v.strip_prefix('=').unwrap_or(v)));
    }
    (tok, None)
}

pub(super) fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return &s[1..s.len() - 1];
        }
    }
    s
}

/// pip's `join_lines`: `(first line number, joined text)` per logical line.
pub(super) fn logical_lines(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(u32, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i as u32 + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        let is_comment = line.trim_start().starts_with('#');
        if !line.ends_with('\\') || is_comment {
            match pending.take() {
                Some((start, mut acc)) => {
                    if !is_comment {
                        acc.push_str(line);
                    }
                    out.push((start, acc));
                }
                None => out.push((n, line.to_string())),
            }
        } else {
            let part = line.trim_end_matches('\\');
            match pending.as_mut() {
                Some((_, acc)) => acc.push_str(part),
                None => pending = Some((n, part.to_string())),
            }
        }
    }
    if let Some(p) = pending {
        out.push(p);
    }
    out
}

/// Drops a `#` comment that starts the line or follows whitespace.
pub(super) fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

/// pip accepts `URL ; marker` for URL and path requirements.
pub(super) fn split_url_marker(spec: &str) -> (&str, Option<&str>) {
    if !looks_like_url_or_path(spec) {
        return (spec, None);
    }
    match spec.split_once(';') {
        Some((t, m)) if t.ends_with(' ') || m.starts_with(' ') => (t.trim(), Some(m.trim())),
        _ => (spec.trim(), None),
    }
}

/// A URL, a path, or an archive file name rather than a `name…` requirement.
pub(super) fn looks_like_url_or_path(s: &str) -> bool {
    let s = unquote(s).trim();
    // `name @ url` / `name[extra]@url` is PEP 508, not a bare URL.
    if let Some((before, _)) = s.split_once('@') {
        let before = before.trim();
        if !before.is_empty()
            && before
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.[], ".contains(c))
        {
            return false;
        }
    }
    let first = s.split_whitespace().next().unwrap_or("");
    first.contains("://")
        || first.starts_with("file:")
        || first.starts_with('.')
        || first.starts_with('/')
        || first.starts_with('~')
        || first.contains('\\')
        || (first.contains('/') && !first.contains('@'))
        || pyreq::archive_name_version(pyreq::file_name_of(
            first.split(';').next().unwrap_or(first),
        ))
        .is_some_and(|_| !first.contains("=="))
}

/// `dir/requirements.txt` + `base.txt` → `dir/base.txt`.
pub(super) fn join_display(display: &str, target: &str) -> String {
    let parent = match display.rfind('/') {
        Some(i) => &display[..=i],
        None => "",
    };
    let mut parts: Vec<&str> = parent
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let absolute = display.starts_with('/');
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_ends_a_continuation() {
        let lines = logical_lines("a==1 \\\n# note\nb==2\n");
        assert_eq!(
            lines,
            vec![(1, "a==1 ".to_string()), (3, "b==2".to_string())]
        );
        assert_eq!(
            strip_comment("x @ https://h/x.zip#egg=x # c"),
            "x @ https://h/x.zip#egg=x "
        );
        assert_eq!(join_display("a/b/r.txt", "../c/d.txt"), "a/c/d.txt");
    }
}
