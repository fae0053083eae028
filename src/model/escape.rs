//! Finding the bytes of a text that must be escaped, for the HTML the pages write
//! (`ui::share_markup::escape_into`) and the JSON a share page carries
//! (`share::SharedOutline::page_json`): the same scan, for different bytes.

/// Calls `found` with the position of every byte of `bytes` that `special` picks, in order.
///
/// Runs of 16 bytes with none of them (most of every title) are passed over first, each as one
/// test: a fixed-size fold of byte compares is what the compiler turns into vector compares.
/// On a share page's titles that took a third of the instructions of testing byte by byte
/// (callgrind). `special` should be plain compares, not a `match` over a set of bytes, which
/// the compiler makes a bit test that does not vectorise.
#[inline]
pub fn each_special(bytes: &[u8], special: impl Fn(u8) -> bool, mut found: impl FnMut(usize)) {
    let mut at = 0;
    while at < bytes.len() {
        while let Some(run) = bytes.get(at..at + 16) {
            if run.iter().fold(0u8, |any, &b| any | u8::from(special(b))) != 0 {
                break;
            }
            at += 16;
        }
        let end = (at + 16).min(bytes.len());
        for (i, &byte) in bytes.iter().enumerate().take(end).skip(at) {
            if special(byte) {
                found(i);
            }
        }
        at = end;
    }
}

#[cfg(test)]
mod tests {
    use super::each_special;

    proptest::proptest! {
        #[test]
        fn every_special_byte_is_found_once_in_order(bytes in proptest::collection::vec(
            proptest::prop_oneof![8 => proptest::prelude::Just(b'a'), 1 => proptest::prelude::any::<u8>()],
            0..100,
        )) {
            let mut found = Vec::new();
            each_special(&bytes, |b| b == b'<' || b < 0x20, |i| found.push(i));
            let expected: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i] == b'<' || bytes[i] < 0x20).collect();
            proptest::prop_assert_eq!(found, expected);
        }
    }
}
