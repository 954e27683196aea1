//! Industrial I/O (IIO) devices.
