//! The user data header (TS 23.040 §9.2.3.24): a list of information
//! elements, of which this codec interprets concatenation (IEI 0x00 and
//! 0x08) and keeps the rest as they came.

use super::error::DecodeError;

/// Concatenated short message, 8-bit reference.
pub const IEI_CONCAT_8BIT: u8 = 0x00;
/// Concatenated short message, 16-bit reference.
pub const IEI_CONCAT_16BIT: u8 = 0x08;

/// One information element: identifier and data, as on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InformationElement {
    /// IEI.
    pub id: u8,
    /// IED (at most 255 octets, and in practice much less).
    pub data: Vec<u8>,
}

/// Where a part sits in a concatenated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Concatenation {
    /// Same for all parts of one message (from the sender's view).
    pub reference: u16,
    /// Number of parts, 1..=255.
    pub total: u8,
    /// This part's number, 1..=total.
    pub sequence: u8,
    /// Whether the reference is coded on 16 bits (IEI 0x08) rather than 8
    /// (IEI 0x00, which keeps only the low byte of `reference`).
    pub wide_reference: bool,
}

impl Concatenation {
    /// The element that codes this part's position.
    pub fn to_element(self) -> InformationElement {
        let [high, low] = self.reference.to_be_bytes();
        if self.wide_reference {
            InformationElement {
                id: IEI_CONCAT_16BIT,
                data: vec![high, low, self.total, self.sequence],
            }
        } else {
            InformationElement {
                id: IEI_CONCAT_8BIT,
                data: vec![low, self.total, self.sequence],
            }
        }
    }

    /// Reads a concatenation element. `None` for other elements, wrong
    /// lengths, and the values TS 23.040 says to ignore the element for
    /// (a total of 0, or a sequence number of 0 or above the total).
    pub fn from_element(element: &InformationElement) -> Option<Self> {
        let (reference, total, sequence, wide_reference) =
            match (element.id, element.data.as_slice()) {
                (IEI_CONCAT_8BIT, &[reference, total, sequence]) => {
                    (u16::from(reference), total, sequence, false)
                }
                (IEI_CONCAT_16BIT, &[high, low, total, sequence]) => {
                    (u16::from_be_bytes([high, low]), total, sequence, true)
                }
                _ => return None,
            };
        (total != 0 && sequence != 0 && sequence <= total).then_some(Self {
            reference,
            total,
            sequence,
            wide_reference,
        })
    }
}

/// A user data header.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct UserDataHeader {
    /// The elements in wire order.
    pub elements: Vec<InformationElement>,
}

impl UserDataHeader {
    /// A header with just a concatenation element.
    pub fn concatenated(concatenation: Concatenation) -> Self {
        Self {
            elements: vec![concatenation.to_element()],
        }
    }

    /// The first valid concatenation element, if any.
    pub fn concatenation(&self) -> Option<Concatenation> {
        self.elements.iter().find_map(Concatenation::from_element)
    }

    /// Octets the header takes in the user data, its length octet included.
    pub fn encoded_len(&self) -> usize {
        1 + self
            .elements
            .iter()
            .map(|e| 2 + e.data.len())
            .sum::<usize>()
    }

    /// Appends UDHL and the elements. The caller checks
    /// [`Self::encoded_len`] against the user data limit first, which keeps
    /// every length within an octet.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.push((self.encoded_len() - 1) as u8);
        for element in &self.elements {
            out.push(element.id);
            out.push(element.data.len() as u8);
            out.extend_from_slice(&element.data);
        }
    }

    /// Reads the elements from `octets` (the header after its length
    /// octet), which start at `offset` in the PDU.
    pub(crate) fn decode(octets: &[u8], offset: usize) -> Result<Self, DecodeError> {
        let mut elements = Vec::new();
        let mut pos = 0;
        while pos < octets.len() {
            let Some(&len) = octets.get(pos + 1) else {
                return Err(DecodeError::Invalid {
                    field: "TP-UDH",
                    offset: offset + pos,
                    reason: "information element without a length",
                });
            };
            let end = pos + 2 + usize::from(len);
            if end > octets.len() {
                return Err(DecodeError::Invalid {
                    field: "TP-UDH",
                    offset: offset + pos,
                    reason: "information element overruns the header",
                });
            }
            elements.push(InformationElement {
                id: octets[pos],
                data: octets[pos + 2..end].to_vec(),
            });
            pos = end;
        }
        Ok(Self { elements })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(header: &UserDataHeader) -> Vec<u8> {
        let mut out = Vec::new();
        header.encode(&mut out);
        out
    }

    #[test]
    fn eight_bit_concatenation_is_six_octets() {
        let header = UserDataHeader::concatenated(Concatenation {
            reference: 0x4C,
            total: 2,
            sequence: 1,
            wide_reference: false,
        });
        assert_eq!(encoded(&header), [0x05, 0x00, 0x03, 0x4C, 0x02, 0x01]);
        assert_eq!(header.encoded_len(), 6);
    }

    #[test]
    fn sixteen_bit_concatenation_decodes() {
        let header = UserDataHeader::decode(&[0x08, 0x04, 0x00, 0x10, 0x02, 0x01], 0).unwrap();
        assert_eq!(
            header.concatenation(),
            Some(Concatenation {
                reference: 0x10,
                total: 2,
                sequence: 1,
                wide_reference: true
            })
        );
    }

    #[test]
    fn unknown_elements_are_kept_and_skipped() {
        // A port addressing element (0x05) before the concatenation.
        let octets = [
            0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0, 0x00, 0x03, 0x07, 0x03, 0x02,
        ];
        let header = UserDataHeader::decode(&octets, 0).unwrap();
        assert_eq!(header.elements.len(), 2);
        assert_eq!(header.elements[0].id, 0x05);
        assert_eq!(
            header.concatenation().map(|c| (c.reference, c.sequence)),
            Some((7, 2))
        );
        assert_eq!(encoded(&header)[1..], octets);
    }

    #[test]
    fn invalid_concatenation_values_are_ignored() {
        for data in [[1, 0, 0], [1, 2, 0], [1, 2, 3]] {
            let element = InformationElement {
                id: IEI_CONCAT_8BIT,
                data: data.to_vec(),
            };
            assert_eq!(Concatenation::from_element(&element), None);
        }
    }

    #[test]
    fn overrunning_element_reports_its_offset() {
        let err = UserDataHeader::decode(&[0x00, 0x01, 0x07, 0x05, 0x09, 0x00], 30).unwrap_err();
        assert_eq!(
            err,
            DecodeError::Invalid {
                field: "TP-UDH",
                offset: 33,
                reason: "information element overruns the header"
            }
        );
        let err = UserDataHeader::decode(&[0x00], 30).unwrap_err();
        assert_eq!(err.offset(), 30);
    }
}
