//! The reassembly buffer.

use super::super::*;
use super::*;

#[test]
fn duplicate_parts_are_ignored() {
    let sender = Address::international("+491511");
    let mut reassembler = Reassembler::new(2);
    assert_eq!(reassembler.push(&sender, &part(1, 2, 1, "a")), None);
    assert_eq!(reassembler.push(&sender, &part(1, 2, 1, "X")), None);
    assert_eq!(
        reassembler.push(&sender, &part(1, 2, 2, "b")),
        Some(Body::Text("ab".into()))
    );
}

#[test]
fn parts_from_different_senders_do_not_mix() {
    let (alice, bob) = (Address::international("+1"), Address::international("+2"));
    let mut reassembler = Reassembler::new(4);
    assert_eq!(reassembler.push(&alice, &part(9, 2, 1, "a1")), None);
    assert_eq!(reassembler.push(&bob, &part(9, 2, 2, "b2")), None);
    assert_eq!(
        reassembler.push(&alice, &part(9, 2, 2, "a2")),
        Some(Body::Text("a1a2".into()))
    );
    assert_eq!(reassembler.pending(), 1);
}

#[test]
fn full_buffer_evicts_the_message_idle_longest() {
    let sender = Address::international("+1");
    let mut reassembler = Reassembler::new(2);
    reassembler.push(&sender, &part(1, 2, 1, "old"));
    reassembler.push(&sender, &part(2, 2, 1, "new"));
    reassembler.push(&sender, &part(1, 3, 1, "x")); // evicts reference 1 of 2 parts
    assert_eq!(reassembler.pending(), 2);
    assert_eq!(reassembler.push(&sender, &part(1, 2, 2, "!")), None);
    assert_eq!(
        reassembler.push(&sender, &part(2, 2, 2, "!")),
        None,
        "evicted in turn by the line above"
    );
    assert_eq!(reassembler.pending(), 2);
}

#[test]
fn unconcatenated_message_passes_straight_through() {
    let mut reassembler = Reassembler::new(1);
    let body = reassembler.push(&Address::unknown("1"), &UserData::text("hi"));
    assert_eq!(body, Some(Body::Text("hi".into())));
}

#[test]
fn part_repeated_after_completion_is_a_duplicate() {
    let sender = Address::international("+1");
    let mut reassembler = Reassembler::new(2);
    reassembler.push(&sender, &part(4, 2, 1, "a"));
    assert_eq!(
        reassembler.push(&sender, &part(4, 2, 2, "b")),
        Some(Body::Text("ab".into()))
    );

    assert_eq!(reassembler.push(&sender, &part(4, 2, 1, "a")), None);

    assert_eq!(reassembler.pending(), 0);
}

#[test]
fn reused_reference_with_new_content_starts_a_new_message() {
    let sender = Address::international("+1");
    let mut reassembler = Reassembler::new(2);
    reassembler.push(&sender, &part(4, 2, 1, "a"));
    reassembler.push(&sender, &part(4, 2, 2, "b"));

    assert_eq!(reassembler.push(&sender, &part(4, 2, 2, "d")), None);
    assert_eq!(
        reassembler.push(&sender, &part(4, 2, 1, "c")),
        Some(Body::Text("cd".into()))
    );
}

#[test]
fn binary_and_text_parts_join_as_octets() {
    let sender = Address::international("+1");
    let mut reassembler = Reassembler::new(2);
    let mut binary = part(4, 2, 2, "");
    binary.body = Body::Binary(vec![0xFF]);
    reassembler.push(&sender, &binary);
    assert_eq!(
        reassembler.push(&sender, &part(4, 2, 1, "é")),
        Some(Body::Binary(vec![0xC3, 0xA9, 0xFF]))
    );
}
