//! yunhal's binder-like IPC.
