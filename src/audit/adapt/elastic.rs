//! Elastic's Kubernetes integration (`kubernetes.audit_logs` data stream):
//! the Event under `kubernetes.audit`, nested (`{"kubernetes":{"audit":
//! {…}}}`) or with dotted keys (`"kubernetes.audit.verb"`), with the dots of
//! annotation and `user.extra` keys turned into underscores
//! (`authorization_k8s_io/decision`) so that Elasticsearch does not read
//! them as object paths. `_source` lines and `_search` hits are unwrapped
//! in `mod.rs`.

use serde_json::{Map, Value, json};

const PREFIX: &str = "kubernetes.audit.";

pub fn is_elastic(m: &Map<String, Value>) -> bool {
    m.get("kubernetes")
        .and_then(Value::as_object)
        .is_some_and(|k| k.get("audit").is_some_and(Value::is_object))
        || m.get("kubernetes.audit").is_some_and(Value::is_object)
        || m.keys().any(|k| k.starts_with(PREFIX))
}

pub fn convert(doc: &Map<String, Value>) -> Result<String, String> {
    let mut ev = doc
        .get("kubernetes")
        .and_then(|k| k.get("audit"))
        .or_else(|| doc.get("kubernetes.audit"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    // Dotted keys, as `fields` or flattened exports give them.
    for (k, v) in doc {
        if let Some(path) = k.strip_prefix(PREFIX) {
            insert_path(&mut ev, path, v.clone());
        }
    }
    if !ev.contains_key("verb") {
        return Err("Elastic document without kubernetes.audit.verb".into());
    }
    for key in ["annotations"] {
        if let Some(Value::Object(a)) = ev.get_mut(key) {
            *a = undo_underscores(std::mem::take(a));
        }
    }
    for user in ["user", "impersonatedUser"] {
        if let Some(Value::Object(extra)) = ev.get_mut(user).and_then(|u| u.get_mut("extra")) {
            *extra = undo_underscores(std::mem::take(extra));
        }
    }
    ev.entry("kind").or_insert(json!("Event"));
    if !ev.contains_key("requestReceivedTimestamp") && !ev.contains_key("stageTimestamp") {
        if let Some(t) = doc.get("@timestamp").filter(|t| t.is_string()) {
            ev.insert("stageTimestamp".into(), t.clone());
        }
    }
    Ok(Value::Object(ev).to_string())
}

/// `a.b.c` → nested objects; an existing non-object on the path is kept.
fn insert_path(m: &mut Map<String, Value>, path: &str, v: Value) {
    match path.split_once('.') {
        // Keys such as `authorization_k8s_io/decision` have no dots left;
        // a slash ends the path (annotation keys are never objects).
        Some((head, rest)) if !head.contains('/') => {
            let child = m
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(c) = child {
                insert_path(c, rest, v);
            }
        }
        _ => {
            m.insert(path.to_string(), v);
        }
    }
}

/// `authorization_k8s_io/decision` → `authorization.k8s.io/decision`: the
/// part before the slash is a DNS name, whose underscores were dots.
fn undo_underscores(m: Map<String, Value>) -> Map<String, Value> {
    m.into_iter()
        .map(|(k, v)| match k.split_once('/') {
            Some((domain, rest)) if domain.contains('_') => {
                (format!("{}/{rest}", domain.replace('_', ".")), v)
            }
            _ => (k, v),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_keys_regain_their_dots() {
        let doc: Map<String, Value> = serde_json::from_str(
            r#"{"kubernetes.audit.verb":"get","kubernetes.audit.objectRef.resource":"secrets",
               "kubernetes.audit.annotations.authorization_k8s_io/decision":"allow"}"#,
        )
        .unwrap();
        let ev: Value = serde_json::from_str(&convert(&doc).unwrap()).unwrap();
        assert_eq!(ev["objectRef"]["resource"], "secrets");
        assert_eq!(ev["annotations"]["authorization.k8s.io/decision"], "allow");
    }
}
