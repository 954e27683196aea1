#![no_std]
//! lis3mdl driver.
