//! Split operators (filled in).
