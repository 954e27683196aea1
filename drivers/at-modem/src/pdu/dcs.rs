//! TP-DCS, the data coding scheme (TS 23.038 §4).
//!
//! [`DataCoding`] keeps the octet as received so that a decoded PDU encodes
//! back to the same octets; the methods interpret it.

/// How the user data is coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alphabet {
    /// GSM 7-bit default alphabet, packed; TP-UDL counts septets.
    Gsm7,
    /// 8-bit data; TP-UDL counts octets.
    Data8,
    /// UCS-2 (sent as UTF-16BE); TP-UDL counts octets.
    Ucs2,
}

/// Message class, which tells the receiver where to put the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageClass {
    /// Shown at once, not stored ("flash SMS").
    Class0,
    /// ME specific.
    Class1,
    /// SIM specific.
    Class2,
    /// TE specific.
    Class3,
}

impl MessageClass {
    fn from_bits(bits: u8) -> Self {
        match bits & 0x03 {
            0 => Self::Class0,
            1 => Self::Class1,
            2 => Self::Class2,
            _ => Self::Class3,
        }
    }

    fn bits(self) -> u8 {
        self as u8
    }
}

/// Kind of message waiting, from the message waiting indication groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WaitingKind {
    /// Voicemail message waiting.
    Voicemail,
    /// Fax message waiting.
    Fax,
    /// Electronic mail message waiting.
    Email,
    /// Other message waiting.
    Other,
}

/// A message waiting indication (coding groups 1100..1110).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageWaiting {
    /// What is waiting.
    pub kind: WaitingKind,
    /// `true` sets the indication, `false` clears it.
    pub active: bool,
    /// `false` for the "discard message" group: the ME may drop the text
    /// after updating the indication.
    pub store: bool,
}

/// The TP-DCS octet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DataCoding(pub u8);

impl DataCoding {
    /// GSM 7-bit, no class (0x00).
    pub const GSM7: Self = Self(0x00);
    /// 8-bit data, no class (0x04).
    pub const DATA8: Self = Self(0x04);
    /// UCS-2, no class (0x08).
    pub const UCS2: Self = Self(0x08);

    /// The general data coding group with an alphabet and an optional class.
    pub fn new(alphabet: Alphabet, class: Option<MessageClass>) -> Self {
        let alphabet_bits = match alphabet {
            Alphabet::Gsm7 => 0x00,
            Alphabet::Data8 => 0x04,
            Alphabet::Ucs2 => 0x08,
        };
        let class_bits = class.map_or(0, |c| 0x10 | c.bits());
        Self(alphabet_bits | class_bits)
    }

    fn is_general_group(self) -> bool {
        // 00xx xxxx, and 01xx xxxx which is the same with automatic deletion.
        self.0 & 0x80 == 0
    }

    /// The alphabet. Reserved codings are read as GSM 7-bit, as TS 23.038
    /// asks of a receiving entity.
    pub fn alphabet(self) -> Alphabet {
        match self.0 >> 4 {
            0x0..=0x7 => match self.0 >> 2 & 0x03 {
                1 => Alphabet::Data8,
                2 => Alphabet::Ucs2,
                _ => Alphabet::Gsm7,
            },
            0xE => Alphabet::Ucs2,
            0xF if self.0 & 0x04 != 0 => Alphabet::Data8,
            _ => Alphabet::Gsm7,
        }
    }

    /// Whether the text is compressed (TS 23.042). Compressed user data is
    /// handed over as octets: this codec does not decompress.
    pub fn is_compressed(self) -> bool {
        self.is_general_group() && self.0 & 0x20 != 0
    }

    /// Whether the message is marked for automatic deletion (group 01xx).
    pub fn auto_delete(self) -> bool {
        self.0 & 0xC0 == 0x40
    }

    /// The message class, if the coding carries one.
    pub fn class(self) -> Option<MessageClass> {
        match self.0 >> 4 {
            0x0..=0x7 if self.0 & 0x10 != 0 => Some(MessageClass::from_bits(self.0)),
            0xF => Some(MessageClass::from_bits(self.0)),
            _ => None,
        }
    }

    /// The message waiting indication, for groups 1100, 1101 and 1110.
    pub fn message_waiting(self) -> Option<MessageWaiting> {
        let store = match self.0 >> 4 {
            0xC => false,
            0xD | 0xE => true,
            _ => return None,
        };
        let kind = match self.0 & 0x03 {
            0 => WaitingKind::Voicemail,
            1 => WaitingKind::Fax,
            2 => WaitingKind::Email,
            _ => WaitingKind::Other,
        };
        Some(MessageWaiting {
            kind,
            active: self.0 & 0x08 != 0,
            store,
        })
    }

    /// Whether TP-UDL counts septets (uncompressed GSM 7-bit) rather than
    /// octets.
    pub fn counts_septets(self) -> bool {
        self.alphabet() == Alphabet::Gsm7 && !self.is_compressed()
    }

    /// The same coding with another alphabet, keeping the class. Codings
    /// outside the general group become general-group ones.
    pub fn with_alphabet(self, alphabet: Alphabet) -> Self {
        if self.is_general_group() && !self.is_compressed() {
            Self(self.0 & !0x0C | Self::new(alphabet, None).0)
        } else {
            Self::new(alphabet, self.class())
        }
    }
}

impl Default for DataCoding {
    fn default() -> Self {
        Self::GSM7
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn general_group_alphabets_and_classes() {
        assert_eq!(DataCoding(0x00).alphabet(), Alphabet::Gsm7);
        assert_eq!(DataCoding(0x04).alphabet(), Alphabet::Data8);
        assert_eq!(DataCoding(0x08).alphabet(), Alphabet::Ucs2);
        assert_eq!(DataCoding(0x00).class(), None);
        assert_eq!(DataCoding(0x10).class(), Some(MessageClass::Class0));
        assert_eq!(DataCoding(0x1A).class(), Some(MessageClass::Class2));
        assert_eq!(DataCoding(0x1A).alphabet(), Alphabet::Ucs2);
        assert_eq!(
            DataCoding::new(Alphabet::Ucs2, Some(MessageClass::Class2)),
            DataCoding(0x1A)
        );
    }

    #[test]
    fn reserved_alphabet_and_reserved_groups_read_as_gsm7() {
        assert_eq!(DataCoding(0x0C).alphabet(), Alphabet::Gsm7);
        for group in 0x8..=0xB_u8 {
            assert_eq!(DataCoding(group << 4 | 0x0F).alphabet(), Alphabet::Gsm7);
            assert_eq!(DataCoding(group << 4).class(), None);
        }
    }

    #[test]
    fn group_f_carries_class_and_gsm7_or_8bit() {
        assert_eq!(DataCoding(0xF1).alphabet(), Alphabet::Gsm7);
        assert_eq!(DataCoding(0xF1).class(), Some(MessageClass::Class1));
        assert_eq!(DataCoding(0xF4).alphabet(), Alphabet::Data8);
        assert_eq!(DataCoding(0xF4).class(), Some(MessageClass::Class0));
    }

    #[test]
    fn message_waiting_groups() {
        let discard = DataCoding(0xC8).message_waiting().unwrap();
        assert_eq!(
            discard,
            MessageWaiting {
                kind: WaitingKind::Voicemail,
                active: true,
                store: false
            }
        );
        let store_ucs2 = DataCoding(0xE2);
        assert_eq!(store_ucs2.alphabet(), Alphabet::Ucs2);
        assert_eq!(
            store_ucs2.message_waiting(),
            Some(MessageWaiting {
                kind: WaitingKind::Email,
                active: false,
                store: true
            })
        );
        assert_eq!(DataCoding(0xD1).alphabet(), Alphabet::Gsm7);
        assert_eq!(DataCoding(0x00).message_waiting(), None);
    }

    #[test]
    fn compressed_and_auto_delete_flags() {
        assert!(DataCoding(0x20).is_compressed());
        assert!(!DataCoding(0x20).counts_septets());
        assert!(DataCoding(0x40).auto_delete());
        assert!(!DataCoding(0xF0).is_compressed());
    }

    #[test]
    fn with_alphabet_keeps_the_class() {
        assert_eq!(
            DataCoding(0x11).with_alphabet(Alphabet::Ucs2),
            DataCoding(0x19)
        );
        assert_eq!(
            DataCoding(0xF2).with_alphabet(Alphabet::Ucs2),
            DataCoding(0x1A)
        );
        assert_eq!(
            DataCoding(0xC8).with_alphabet(Alphabet::Ucs2),
            DataCoding::UCS2
        );
    }
}
