//! Reading `requestURI`: query parameters, percent-decoded. The exec command
//! (`command=` parameters) and name-scoped list/watch (`fieldSelector=
//! metadata.name=...`) are only visible here.

use std::borrow::Cow;

/// Query parameters of a request URI, in order, percent-decoded.
pub fn query_params(uri: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    let query = uri.split_once('?').map(|(_, q)| q).unwrap_or("");
    query.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k), percent_decode(v))
    })
}

/// Decode `%XX` escapes and `+` (as a space, HTML-form style, as Go's
/// `url.ParseQuery` does). Invalid escapes are kept as written.
pub fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.contains(['%', '+']) {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// The exec/attach command, one argument per `command=` parameter, joined
/// with spaces (arguments containing spaces are quoted).
pub fn exec_command(uri: &str) -> Option<String> {
    let args: Vec<String> = query_params(uri)
        .filter(|(k, _)| k == "command")
        .map(|(_, v)| {
            if v.contains(' ') || v.is_empty() {
                format!("'{v}'")
            } else {
                v.into_owned()
            }
        })
        .collect();
    (!args.is_empty()).then(|| args.join(" "))
}

/// The single object a list/watch is scoped to by
/// `fieldSelector=metadata.name=NAME` (as kubelets do), if any.
pub fn field_selector_name(uri: &str) -> Option<String> {
    query_params(uri)
        .filter(|(k, _)| k == "fieldSelector")
        .find_map(|(_, v)| {
            // A selector may combine terms: `metadata.name=x,metadata.namespace=y`.
            v.split(',').find_map(|term| {
                let term = term.trim();
                term.strip_prefix("metadata.name==")
                    .or_else(|| term.strip_prefix("metadata.name="))
                    .map(str::to_string)
            })
        })
}

/// The `container=` parameter of an exec/attach.
pub fn container(uri: &str) -> Option<String> {
    query_params(uri)
        .find(|(k, _)| k == "container")
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_command_from_uri() {
        let uri = "/api/v1/namespaces/prod/pods/web/exec?command=sh&command=-c&command=cat%20%2Fvar%2Frun%2Fsecrets%2Ftoken&container=web&stdin=true";
        assert_eq!(
            exec_command(uri).as_deref(),
            Some("sh -c 'cat /var/run/secrets/token'")
        );
        assert_eq!(container(uri).as_deref(), Some("web"));
        assert_eq!(exec_command("/api/v1/namespaces/p/pods/w/exec"), None);
    }

    #[test]
    fn field_selector() {
        assert_eq!(
            field_selector_name(
                "/api/v1/namespaces/p/secrets?fieldSelector=metadata.name%3Dapp-tls&watch=true"
            )
            .as_deref(),
            Some("app-tls")
        );
        assert_eq!(
            field_selector_name("/api/v1/namespaces/p/secrets?labelSelector=owner%3Dhelm"),
            None
        );
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
