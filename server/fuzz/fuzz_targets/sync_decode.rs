//! Any bytes as a `POST /api/v1/sync` body: decoding must never panic, and
//! every change that decodes must go through the merge and validation the
//! server runs (`db/sqlite.rs: apply_one`) without panicking, idempotently.

#![no_main]

use labblogg_shared::merge::apply_change;
use labblogg_shared::sync::SyncRequest;
use labblogg_shared::validate::validate_record;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The server's decoder: `error::parse_json` is exactly this.
    let Ok(req) = serde_json::from_slice::<SyncRequest>(data) else {
        return;
    };
    // What decodes also encodes (the answer path serializes records the same way).
    serde_json::to_vec(&req).expect("encode");
    let mut state = None;
    for change in &req.changes {
        // The stamp's text form is what stores compare; it must round-trip.
        assert_eq!(change.hlc.to_string().parse::<labblogg_shared::Hlc>().ok(), Some(change.hlc));
        let merged = match apply_change(state.as_ref(), change) {
            Ok(Some(s)) => s,
            Ok(None) => continue,
            Err(_) => match apply_change(None, change) {
                Ok(Some(s)) => s,
                _ => continue,
            },
        };
        let _ = validate_record(&merged);
        // Applying the same change again changes nothing.
        assert_eq!(apply_change(Some(&merged), change).ok().flatten(), None, "not idempotent");
        state = Some(merged);
    }
});
