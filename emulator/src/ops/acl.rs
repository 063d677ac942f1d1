//! Sync Permissions of token identities (the realtime socket), for services with `AclEnabled`: each request
//! of a token identity is checked against the object's permission for that identity
//! (`store::permissions`) before it is served. REST v1 is never checked: it is called
//! with account credentials, which Sync trusts with everything.
//!
//! What each request needs: reading an object or its items, and subscribing, needs
//! `read`; updating an object or writing its items needs `write`; deleting the object
//! needs `manage`. Streams have no Permissions resource, so they are not checked.
//! Creating an object needs a permission that cannot exist yet, so a client cannot create
//! objects on such a service (a create naming an existing unique name still gets 409, as
//! it would without ACLs); the application's backend creates them over REST and grants
//! identities access. That last rule is this emulator's reading: Twilio's documents do
//! not say what a client create does under ACLs.

use rusqlite::Connection;

use super::{Operation, Target, Verb};
use crate::error::SyncError;
use crate::store::objects::{self, Kind};
use crate::store::permissions::{self, Access};
use crate::store::services;

/// What one request asks of the ACL.
#[derive(Debug, Clone)]
pub enum Need {
    /// A create, with the unique name it gives, if any.
    Create(Option<String>),
    /// `access` to the object named by SID or unique name.
    On(String, Access),
}

/// What an operation needs, or `None` for kinds without Permissions (Streams).
pub fn need(op: &Operation) -> Option<Need> {
    if !op.kind.facts().shape.permissions {
        return None;
    }
    let access = match (op.verb, &op.target) {
        (Verb::Create, Target::Collection) => {
            return Some(Need::Create(op.input.unique_name.clone()))
        }
        (Verb::Fetch | Verb::List, _) => Access::Read,
        (Verb::Delete, Target::Object(_)) => Access::Manage,
        (Verb::Create | Verb::Update | Verb::Upsert | Verb::Delete | Verb::Publish, _) => {
            Access::Write
        }
    };
    Some(Need::On(op.target.object()?.to_owned(), access))
}

/// Refuses with 403 / 54007 when the service has `AclEnabled` and `identity` lacks what
/// `need` asks. An object that does not exist passes: the request then answers 404.
pub fn check(
    conn: &Connection,
    service_sid: &str,
    identity: Option<&str>,
    kind: Kind,
    need: &Need,
    now: i64,
) -> Result<(), SyncError> {
    if !services::get(conn, service_sid)?.acl_enabled {
        return Ok(());
    }
    let denied = |action: &'static str, object: String| SyncError::PermissionDenied {
        identity: identity.unwrap_or_default().to_owned(),
        action,
        object,
    };
    match need {
        Need::Create(name) => {
            let exists = match name {
                Some(name) => objects::find(conn, service_sid, kind, name, now)?.is_some(),
                None => false,
            };
            if exists {
                Ok(())
            } else {
                Err(denied("create", format!("a {}", kind.tag())))
            }
        }
        Need::On(id, access) => match objects::find(conn, service_sid, kind, id, now)? {
            None => Ok(()),
            Some(row) if permissions::allows(conn, &row.sid, identity, *access)? => Ok(()),
            Some(row) => Err(denied(
                match access {
                    Access::Read => "read",
                    Access::Write => "write",
                    Access::Manage => "manage",
                },
                row.sid,
            )),
        },
    }
}
