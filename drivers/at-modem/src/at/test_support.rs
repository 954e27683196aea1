//! For tests that play the modem: reading what the driver sends.

use std::io::BufRead;

/// The next command line (ended by CR) or payload (ended by Ctrl-Z), with
/// its end and a leading ESC or LF removed; `None` at the end of the
/// stream.
pub(crate) fn read_token(reader: &mut impl BufRead) -> Option<String> {
    let mut token = Vec::new();
    loop {
        let available = match reader.fill_buf() {
            Ok([]) | Err(_) => return None,
            Ok(bytes) => bytes,
        };
        let end = available.iter().position(|&b| b == b'\r' || b == 0x1a);
        let take = end.map_or(available.len(), |i| i + 1);
        token.extend_from_slice(&available[..take]);
        reader.consume(take);
        if end.is_some() {
            break;
        }
    }
    token.pop();
    Some(
        String::from_utf8_lossy(&token)
            .trim_start_matches(['\x1b', '\n'])
            .to_string(),
    )
}
