//! Sign-in: `POST /api/v1/auth/login`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// The signing-in device; the token is bound to it.
    #[serde(default)]
    pub device_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginResponse {
    /// Opaque bearer token for every other `/api/v1` call.
    pub token: String,
    pub user: UserInfo,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Staff,
    Coordinator,
    Researcher,
    Admin,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserInfo {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Labs this user may read (and, for staff and coordinators, write).
    pub labs: Vec<Uuid>,
    /// Where staff land after signing in: their meeting place's visit counter.
    pub home_meeting_place: Option<Uuid>,
}
