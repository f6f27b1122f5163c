//! Following a live audit log (placeholder: being written).
