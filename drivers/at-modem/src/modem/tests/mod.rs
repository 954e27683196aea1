//! Unit tests of the driver against a scripted modem.
