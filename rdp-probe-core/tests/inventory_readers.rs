//! The inventory's readers of server answers never panic, whatever the bytes, and decide the same
//! however the bytes arrive (the TLS flight reader is called on every prefix as a stream grows).

use proptest::prelude::*;
use rdp_probe_core::inventory::negotiation::Answer;
use rdp_probe_core::inventory::standard;
use rdp_probe_core::inventory::tls_scan::{self, HelloOutcome};

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        // A TPKT header first, and a TLS record header first.
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(|mut v| {
            v.splice(0..0, [3, 0, 0, 19]);
            v
        }),
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(|mut v| {
            v.splice(0..0, [22, 3, 3, 0, 60, 2]);
            v
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn readers_survive_arbitrary_bytes(data in bytes()) {
        let answer = Answer::from_frame(&data);
        let _ = (answer.kind(), answer.selected(), answer.failure(), answer.is_drop());
        let _ = standard::read_answer(&data);
        let _ = tls_scan::judge_flight(&data, true);
    }

    #[test]
    fn a_flight_decision_is_final(data in bytes(), cut in 0usize..400) {
        // Once a prefix decides, the whole decides the same way (a ServerHello or an alert exactly;
        // bytes that are not TLS stay not TLS, though their description grows with them).
        let cut = cut.min(data.len());
        if let Some(early) = tls_scan::judge_flight(&data[..cut], false) {
            let late = tls_scan::judge_flight(&data, false).expect("still decided");
            match early {
                HelloOutcome::Hello(_) | HelloOutcome::Alert { .. } => prop_assert_eq!(late, early),
                _ => prop_assert_eq!(std::mem::discriminant(&late), std::mem::discriminant(&early)),
            }
        }
    }
}
