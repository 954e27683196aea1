#![no_std]
//! stk3311 driver.
