//! The URL functions of Atlas's HCL standard library: `urlescape`, `urlqueryset`, `urlsetpath`
//! and `urluserinfo`. Atlas's testing docs use `urluserinfo(self.dev_url, "role", "pass")` to
//! run SQL as another database user; project files use them to build URLs from variables.
//!
//! URLs are handled as text (scheme, authority, path, query, fragment), so every URL form assay
//! reads — `sqlite://dev?mode=memory`, `docker://postgres/15/dev` — keeps its shape.

use hcl::Value;
use hcl::eval::FuncArgs;

type Res = Result<Value, String>;

fn s(args: &FuncArgs, i: usize) -> &str {
    // Parameter types are checked by hcl-rs before the call.
    args[i].as_str().unwrap_or_default()
}

/// A URL cut into the parts these functions change.
struct Parts<'a> {
    /// `scheme://`, or "" for a URL without one.
    scheme: &'a str,
    /// `user:password@`, without the `@`; `None` when absent.
    userinfo: Option<&'a str>,
    host: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

fn split(url: &str) -> Result<Parts<'_>, String> {
    let (rest, fragment) = match url.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (url, None),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let Some(i) = rest.find("://") else {
        return Ok(Parts {
            scheme: "",
            userinfo: None,
            host: "",
            path: rest,
            query,
            fragment,
        });
    };
    let scheme = &rest[..i + 3];
    let after = &rest[i + 3..];
    let (authority, path) = match after.find('/') {
        Some(j) => (&after[..j], &after[j..]),
        None => (after, ""),
    };
    let (userinfo, host) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    if scheme.len() == 3 {
        return Err(format!("invalid URL {url:?}: missing scheme"));
    }
    Ok(Parts {
        scheme,
        userinfo,
        host,
        path,
        query,
        fragment,
    })
}

impl Parts<'_> {
    fn join(&self, userinfo: Option<&str>, path: &str, query: Option<&str>) -> String {
        let mut out = String::from(self.scheme);
        if let Some(u) = userinfo {
            out.push_str(u);
            out.push('@');
        }
        out.push_str(self.host);
        out.push_str(path);
        if let Some(q) = query.filter(|q| !q.is_empty()) {
            out.push('?');
            out.push_str(q);
        }
        if let Some(f) = self.fragment {
            out.push('#');
            out.push_str(f);
        }
        out
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters; `space` is what a space
/// becomes (`+` in a query, as Go's `url.QueryEscape`; `%20` elsewhere).
fn escape(text: &str, space: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push_str(space),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `urlescape(s)`: `s` escaped for a URL query (Go's `url.QueryEscape`).
pub(crate) fn urlescape(a: FuncArgs) -> Res {
    Ok(escape(s(&a, 0), "+").into())
}

/// `url` with its credentials replaced by `user` and `password` (percent-encoded).
pub fn with_userinfo(url: &str, user: &str, password: &str) -> Result<String, String> {
    let parts = split(url)?;
    if parts.scheme.is_empty() {
        return Err(format!("invalid URL {url:?}: missing scheme"));
    }
    let info = format!("{}:{}", escape(user, "%20"), escape(password, "%20"));
    Ok(parts.join(Some(&info), parts.path, parts.query))
}

/// `urluserinfo(url, user[, password])`: the URL with its user (and password) replaced.
pub(crate) fn urluserinfo(a: FuncArgs) -> Res {
    let url = s(&a, 0);
    let parts = split(url)?;
    if parts.scheme.is_empty() {
        return Err(format!("invalid URL {url:?}: missing scheme"));
    }
    let mut info = escape(s(&a, 1), "%20");
    if let Some(password) = a.get(2) {
        let password = password.as_str().ok_or("the password must be a string")?;
        info.push(':');
        info.push_str(&escape(password, "%20"));
    }
    if a.len() > 3 {
        return Err("urluserinfo takes a URL, a user and an optional password".into());
    }
    Ok(parts.join(Some(&info), parts.path, parts.query).into())
}

/// `urlsetpath(url, path)`: the URL with its path replaced.
pub(crate) fn urlsetpath(a: FuncArgs) -> Res {
    let parts = split(s(&a, 0))?;
    let path = s(&a, 1);
    let path = if path.is_empty() || path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    Ok(parts.join(parts.userinfo, &path, parts.query).into())
}

/// `urlqueryset(url, key, value)`: the URL with the query parameter `key` set to `value`
/// (replacing every earlier value of it).
pub(crate) fn urlqueryset(a: FuncArgs) -> Res {
    let parts = split(s(&a, 0))?;
    let (key, value) = (s(&a, 1), s(&a, 2));
    let escaped_key = escape(key, "+");
    let mut pairs: Vec<String> = parts
        .query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let k = p.split_once('=').map_or(*p, |(k, _)| k);
            k != key && k != escaped_key
        })
        .map(String::from)
        .collect();
    pairs.push(format!("{escaped_key}={}", escape(value, "+")));
    Ok(parts
        .join(parts.userinfo, parts.path, Some(&pairs.join("&")))
        .into())
}
