//! Studio Liquid (filled in).
