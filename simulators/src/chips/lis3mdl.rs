//! lis3mdl register model.
