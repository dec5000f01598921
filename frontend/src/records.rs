//! Typed access to the local copy: read records of a kind as their Rust
//! types, and save edits as changes that carry only the fields that changed
//! (so concurrent edits of different fields both survive the merge).

use crate::{clock, store};
use labblogg_shared::{RecordKind, RecordState};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

/// A record with its id and lab.
#[derive(Debug, Clone, PartialEq)]
pub struct Typed<T> {
    pub id: Uuid,
    pub lab_id: Uuid,
    pub data: T,
}

pub fn typed<T: DeserializeOwned>(state: &RecordState) -> Option<Typed<T>> {
    let data = serde_json::from_value(Value::Object(state.fields.clone())).ok()?;
    Some(Typed { id: state.id, lab_id: state.lab_id, data })
}

/// Live records of `kind` in the given labs, as `T`. A failed read is an error, never an empty
/// list (screens show it with `components::read_error`).
pub async fn list<T: DeserializeOwned>(kind: RecordKind, labs: &[Uuid]) -> store::Result<Vec<Typed<T>>> {
    let mut out = Vec::new();
    for &lab in labs {
        out.extend(store::live_in_lab(kind, lab).await?.iter().filter_map(typed));
    }
    Ok(out)
}

fn fields_of<T: Serialize>(data: &T) -> Result<Map<String, Value>, store::StoreError> {
    match serde_json::to_value(data)? {
        Value::Object(m) => Ok(m),
        _ => Err(store::StoreError::Corrupt("a record must serialize to an object".into())),
    }
}

/// Create a record, or save the fields of `data` that differ from what is stored.
/// Returns `false` when nothing changed.
pub async fn save<T: Serialize>(kind: RecordKind, id: Uuid, lab_id: Uuid, data: &T) -> Result<bool, store::StoreError> {
    let all = fields_of(data)?;
    let mut fields = all.clone();
    if let Some(current) = store::record(id).await? {
        fields.retain(|k, v| current.fields.get(k) != Some(v));
        // A field present before but absent now (an emptied optional) is set to null.
        for k in current.fields.keys().filter(|k| !all.contains_key(*k)) {
            if current.fields.get(k) != Some(&Value::Null) {
                fields.insert(k.clone(), Value::Null);
            }
        }
        if fields.is_empty() {
            return Ok(false);
        }
    }
    store::write(kind, id, lab_id, fields, false, clock::now_ms()).await?;
    Ok(true)
}

/// Save what a form changed: for a new record (`base` is `None`) every
/// field, else only the fields where `edited` differs from `base`, the
/// record as the form opened it. A field someone else changed meanwhile
/// (synced in while the form was open) is left as they set it unless this
/// form changed it too. Returns `false` when nothing changed.
pub async fn save_edit<T: Serialize>(
    kind: RecordKind,
    id: Uuid,
    lab_id: Uuid,
    base: Option<&T>,
    edited: &T,
) -> Result<bool, store::StoreError> {
    let mut fields = fields_of(edited)?;
    if let Some(base) = base {
        let before = fields_of(base)?;
        fields.retain(|k, v| before.get(k) != Some(v));
        if fields.is_empty() {
            return Ok(false);
        }
    }
    store::write(kind, id, lab_id, fields, false, clock::now_ms()).await?;
    Ok(true)
}

/// Set some fields of a record, and only those (e.g. `retired`).
pub async fn set_fields(
    kind: RecordKind,
    id: Uuid,
    lab_id: Uuid,
    fields: Map<String, Value>,
) -> Result<(), store::StoreError> {
    store::write(kind, id, lab_id, fields, false, clock::now_ms()).await?;
    Ok(())
}

/// Delete a record (a tombstone that syncs).
pub async fn delete(kind: RecordKind, id: Uuid, lab_id: Uuid) -> Result<(), store::StoreError> {
    store::write(kind, id, lab_id, Map::new(), true, clock::now_ms()).await?;
    Ok(())
}
