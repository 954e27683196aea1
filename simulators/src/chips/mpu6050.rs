//! mpu6050 register model.
