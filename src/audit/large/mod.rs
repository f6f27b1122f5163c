//! Lines over the 1 MiB cap, judged without holding them whole.
//!
//! A `get secrets` with a 2 MiB user agent, or a cluster-wide `list secrets`
//! logged at RequestResponse level (the response is every Secret's data, often
//! many MiB), used to be dropped whole: padding a header was an evasion, and
//! the most damaging exfiltration went unseen. Now the splitter feeds such a
//! line, block by block as it arrives, to a [`Reducer`]: a small hand-written
//! JSON tokenizer (a resumable state machine, so no block boundary matters)
//! that validates the whole line and writes a bounded native Event JSON text
//! with only what the rules read:
//!
//! * the event's known fields; unknown top-level keys are skipped (padding
//!   there costs nothing), and inside `user`, `objectRef`, `annotations`,
//!   `responseStatus` only the keys [`super::AuditEvent`] reads are kept, so
//!   junk placed before `resource` cannot push it out of a budget;
//! * every kept string capped ([`STR_CAP`], [`URI_CAP`] for the request URI):
//!   a cut string keeps its head and ends in a visible marker,
//!   `...(2097152 bytes, cut)`; [`is_cut`] recognises it, and the allowlist
//!   never matches a cut identity (a padded `system:kube-controller-manager…`
//!   is no controller). A forged marker in a normal line can only take an
//!   allowlist entry away, never add one;
//! * string lists (`groups`, `sourceIPs`, `user.extra` values) kept up to
//!   [`LIST_BUDGET`] bytes, then one marker element for the rest;
//! * `requestObject`/`responseObject` (RBAC objects, pod specs) copied
//!   without the bulk no rule reads (`data`, `stringData`, `binaryData`,
//!   `managedFields`, `annotations`, `labels`, a list's `items`), and
//!   dropped whole if still over [`OBJ_BUDGET`] (more than the API server
//!   stores) — as if logged at Metadata level.
//!
//! Why hand-written and not serde_json with a skipping `DeserializeSeed`: the
//! splitter is push-based (blocks arrive from a file, a follower, a merge),
//! serde_json pulls from a reader (a thread per line to bridge them), and its
//! reader buffers a whole string before a visitor sees it, so a 500 MiB user
//! agent would be held whole; bounded memory needs a string cut mid-way.
//! Measured on this machine (release, 2 busy cores, one session): 100 MB
//! of 6 MiB RequestResponse lines scan in 0.10–0.13 s (the string fast path
//! skips Secret data at memory speed; the reader's splitter does the work,
//! one thread), against 0.50–0.56 s for 300 MB of ordinary lines
//! (`gen-audit --size 300M`), which run as fast as before this module (main
//! 0.54–0.61 s, same alerts). `scan` of a 2 MiB-agent read or a 6 MiB
//! secret list peaks at 6–7 MiB RSS (`scripts/large-lines.sh`).
//! Invalid JSON anywhere in the line (skipped parts included, as serde
//! would judge it), invalid UTF-8, or nesting over [`MAX_DEPTH`] make the
//! line malformed, with the column.

use super::input::RecordError;

mod emit;
mod lex;
#[cfg(test)]
mod tests;

pub use lex::Reducer;

/// Cap on one kept string (raw, escaped bytes).
pub const STR_CAP: usize = 4096;
/// Cap on the request URI (query strings scope lists by name).
pub const URI_CAP: usize = 64 << 10;
/// Bytes of one string list kept before a marker element.
pub const LIST_BUDGET: usize = 64 << 10;
/// Bytes of a reduced `requestObject`/`responseObject` before it is
/// dropped: above the 1.5 MiB etcd request limit the API server enforces by
/// default, so an object it stored is never dropped for size (a role padded
/// with rules to hide one that grants secrets is kept whole).
pub const OBJ_BUDGET: usize = 2 << 20;
/// Cap on a whole reduced text: more than every budget above together, so
/// only an event with fields repeated over and over (which serde refuses
/// as duplicates) reaches it; it is then malformed.
pub const TOTAL_CAP: usize = 6 << 20;
/// Deepest nesting accepted in a large line (skipped values included).
pub const MAX_DEPTH: usize = 1 << 16;
/// Kept containers nest at most this deep (serde's own limit is 128).
const KEPT_DEPTH: usize = 64;
const KEY_CAP: usize = 256;

/// Keys of a request/response object no rule reads, dropped at any depth.
const BULK: [&str; 6] = [
    "data",
    "stringData",
    "binaryData",
    "managedFields",
    "annotations",
    "labels",
];

/// One line over the cap, as the pipeline sees it.
#[derive(Debug, Clone)]
pub struct LargeLine {
    /// Length of the line in bytes.
    pub bytes: usize,
    /// The bounded native Event JSON text (empty for a line of blanks), or
    /// why the line is malformed.
    pub reduced: Result<String, RecordError>,
    /// `requestObject`/`responseObject` values dropped over [`OBJ_BUDGET`]:
    /// the rules that read bodies (RBAC, pod specs) could not judge them.
    pub dropped: u32,
}

/// Key of the note a reduced text carries (no audit event has it).
pub const REDUCED_KEY: &str = "ktriage:reduced";

/// The note itself: what the reduced text left out.
pub fn reduced_note(bytes: usize) -> String {
    format!(
        "line of {bytes} bytes over the 1 MiB cap: only the fields the rules read are kept; unknown keys, Secret data, managedFields, annotations, labels and list items skipped; long strings cut"
    )
}

/// The marker that ends a cut string: `...(2097152 bytes, cut)`. ASCII, so
/// the text outputs (which show non-ASCII in names as `⟨U+XXXX⟩`) print it
/// as it is.
pub fn cut_marker(bytes: usize) -> String {
    format!("...({bytes} bytes, cut)")
}

/// Was this value cut by the reducer (it ends in a [`cut_marker`])?
pub fn is_cut(s: &str) -> bool {
    s.ends_with(" bytes, cut)")
        && s.rfind("...(").is_some_and(|i| {
            s[i + "...(".len()..s.len() - " bytes, cut)".len()]
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Mode {
    /// The top-level event object.
    Event,
    User,
    Extra,
    ObjectRef,
    Status,
    Annotations,
    /// A scalar field: copied, strings capped at the value.
    Field(usize),
    /// An array of strings.
    List,
    /// Inside a request/response object (`true` at its root).
    Obj(bool),
    /// A container where a scalar was expected: kept empty (`{}`/`[]`), so
    /// the event fails its type check as the whole line would.
    Shell,
    Skip,
}

/// The schema: the mode of the value after key `k` in an object of mode
/// `parent`. Only what [`super::AuditEvent`] reads is kept.
pub(super) fn mode_of(parent: Mode, k: &str) -> Mode {
    match parent {
        Mode::Event => match k {
            "kind"
            | "apiVersion"
            | "auditID"
            | "stage"
            | "verb"
            | "userAgent"
            | "requestReceivedTimestamp"
            | "stageTimestamp"
            | "timestamp" => Mode::Field(STR_CAP),
            "requestURI" => Mode::Field(URI_CAP),
            "user" | "impersonatedUser" => Mode::User,
            "sourceIPs" => Mode::List,
            "objectRef" => Mode::ObjectRef,
            "responseStatus" => Mode::Status,
            "annotations" => Mode::Annotations,
            "requestObject" | "responseObject" => Mode::Obj(true),
            _ => Mode::Skip,
        },
        Mode::User => match k {
            "username" => Mode::Field(STR_CAP),
            "groups" => Mode::List,
            "extra" => Mode::Extra,
            _ => Mode::Skip,
        },
        Mode::Extra => match k {
            "authentication.kubernetes.io/pod-name"
            | "authentication.kubernetes.io/node-name"
            | "authentication.kubernetes.io/credential-id" => Mode::List,
            _ => Mode::Skip,
        },
        Mode::ObjectRef => match k {
            "resource" | "subresource" | "namespace" | "name" | "apiGroup" => Mode::Field(STR_CAP),
            _ => Mode::Skip,
        },
        Mode::Status => match k {
            "code" => Mode::Field(64),
            _ => Mode::Skip,
        },
        Mode::Annotations => match k {
            "authorization.k8s.io/decision" | "authorization.k8s.io/reason" => Mode::Field(STR_CAP),
            _ => Mode::Skip,
        },
        Mode::Obj(root) => {
            if BULK.contains(&k) || (root && k == "items") {
                Mode::Skip
            } else {
                Mode::Obj(false)
            }
        }
        _ => Mode::Skip,
    }
}
