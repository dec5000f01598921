//! What the app knows offline about data quality (issue #21): which of a
//! lab's months are approved (so a change dated in one would be refused by
//! the server: the app says so before saving), the checks at entry with the
//! lab's own history, and who may confirm a flagged value.

use crate::{clock, records, store};
use labblogg_shared::approval::{self, Approvals, MonthApproval};
use labblogg_shared::auth::{LabRole, Role, UserInfo};
use labblogg_shared::model::{Activity, Goal, GoalMeasurement, Lab};
use labblogg_shared::summary::Rec;
use labblogg_shared::RecordKind;
use uuid::Uuid;

/// Does `user` coordinate `lab` (or administer every lab)?
pub fn coordinates(user: &UserInfo, lab: Uuid) -> bool {
    user.role == Role::Admin || user.memberships.iter().any(|m| m.lab_id == lab && m.role == LabRole::Coordinator)
}

/// The labs `user` coordinates, of those on the device.
pub fn coordinated_labs(user: &UserInfo) -> Vec<Uuid> {
    user.labs.iter().copied().filter(|&l| coordinates(user, l)).collect()
}

/// A lab as the checks at entry and the lock read it, from the local copy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabFacts {
    pub name: String,
    pub approvals: Approvals,
    pub activities: Vec<Rec<Activity>>,
    pub goals: Vec<Rec<Goal>>,
    pub measurements: Vec<Rec<GoalMeasurement>>,
}

fn rec<T>(t: records::Typed<T>) -> Rec<T> {
    Rec { id: t.id, lab_id: t.lab_id, data: t.data }
}

/// Read `lab`'s facts from the local copy.
pub async fn lab_facts(lab: Uuid) -> store::Result<LabFacts> {
    let name = store::record(lab)
        .await?
        .and_then(|s| records::typed::<Lab>(&s))
        .map(|l| l.data.name)
        .unwrap_or_else(|| "labbet".into());
    let approvals = records::list::<MonthApproval>(RecordKind::MonthApproval, &[lab]).await?;
    Ok(LabFacts {
        name,
        approvals: Approvals::from_records(approvals.iter().map(|a| (a.id, a.lab_id, &a.data))),
        activities: records::list::<Activity>(RecordKind::Activity, &[lab]).await?.into_iter().map(rec).collect(),
        goals: records::list::<Goal>(RecordKind::Goal, &[lab]).await?.into_iter().map(rec).collect(),
        measurements: records::list::<GoalMeasurement>(RecordKind::GoalMeasurement, &[lab])
            .await?
            .into_iter()
            .map(rec)
            .collect(),
    })
}

impl LabFacts {
    /// Why a record dated `dates` (its date now and the one it is saved
    /// with) cannot be saved: one of them is in an approved month. The same
    /// words as the server's refusal.
    pub fn locked(&self, lab: Uuid, dates: &[&str]) -> Option<String> {
        dates
            .iter()
            .filter_map(|d| approval::month_of_date(d))
            .find(|m| self.approvals.is_approved(lab, m))
            .map(|m| approval::locked_message(&m, &self.name))
    }
}

/// The approved months of some labs and the labs' names: enough to say
/// offline that a change would be refused as `locked`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Locks {
    pub approvals: Approvals,
    pub names: std::collections::HashMap<Uuid, String>,
}

impl Locks {
    pub async fn of(labs: &[Uuid]) -> store::Result<Locks> {
        let approvals = records::list::<MonthApproval>(RecordKind::MonthApproval, labs).await?;
        let mut names = std::collections::HashMap::new();
        for &lab in labs {
            if let Some(l) = store::record(lab).await?.and_then(|s| records::typed::<Lab>(&s)) {
                names.insert(lab, l.data.name);
            }
        }
        Ok(Locks { approvals: Approvals::from_records(approvals.iter().map(|a| (a.id, a.lab_id, &a.data))), names })
    }

    /// The server's refusal of a change to `lab`'s record dated `date`, if its month is approved.
    pub fn locked(&self, lab: Uuid, date: &str) -> Option<String> {
        let month = approval::month_of_date(date)?;
        self.approvals
            .is_approved(lab, &month)
            .then(|| approval::locked_message(&month, self.names.get(&lab).map_or("labbet", String::as_str)))
    }
}

/// Today as a day number, for the checks.
pub fn today_day() -> i64 {
    labblogg_shared::calendar::day_of(&clock::today()).unwrap_or(0)
}
