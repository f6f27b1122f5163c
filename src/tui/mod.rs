//! The triage TUI (placeholder: being written).
