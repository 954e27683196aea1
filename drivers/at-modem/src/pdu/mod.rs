//! SMS PDUs (3GPP TS 23.040): addresses, alphabets, user data headers.
