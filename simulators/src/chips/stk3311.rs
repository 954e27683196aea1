//! stk3311 register model.
