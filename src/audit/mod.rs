//! The audit-log side: the event model and the input formats. Parsing only;
//! no rule lives here.

pub mod adapt;
pub mod event;
pub mod facts;
pub mod input;
pub mod large;
pub mod lines;
pub mod uri;

pub use event::{AuditEvent, ObjectRef, UserInfo};
pub use facts::{NO_USER, Outcome, Stage};
pub use input::{Format, RecordError, detect_format, parse_event, walk_document};
