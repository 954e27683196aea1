#![no_std]
//! mpu6050 driver.
