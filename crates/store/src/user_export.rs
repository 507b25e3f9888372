//! What an export of the Users panel adds to a page of users: the rest of
//! the Edit User dialog's fields, and the second factors each user has set
//! up. Read for a page at a time, four statements per page.

use crate::users::{field_columns, StoredFields};
use crate::{on_pool, Db, StoreError};
use roster_domain::{TwoFactorKind, UserFields, UserId};
use sqlx::{FromRow, QueryBuilder};
use std::collections::HashMap;

/// A user's fields beyond the Users panel's row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportDetails {
    pub vip: bool,
    pub fields: UserFields,
    /// By name.
    pub secondary_organizations: Vec<String>,
    /// The second factors set up, in `TwoFactorKind::ALL` order.
    pub two_factor: Vec<TwoFactorKind>,
}

#[derive(FromRow)]
struct DetailsRecord {
    id: i64,
    vip: bool,
    #[sqlx(flatten)]
    fields: StoredFields,
}

#[derive(FromRow)]
struct NameOf {
    user_id: i64,
    name: String,
}

#[derive(FromRow)]
struct KindOf {
    user_id: i64,
    kind: i64,
}

impl Db {
    /// The export details of `ids`, by id; an id no longer there is missing.
    pub async fn export_details(&self, ids: &[UserId]) -> Result<HashMap<UserId, ExportDetails>, StoreError> {
        let mut details = HashMap::with_capacity(ids.len());
        if ids.is_empty() {
            return Ok(details);
        }
        let fields = format!("SELECT u.id, u.vip, {} FROM users u WHERE u.id", field_columns("u."));
        let secondary = "SELECT s.user_id, o.name FROM user_secondary_organizations s \
                         JOIN organizations o ON o.id = s.organization_id WHERE s.user_id";
        // 0: an authenticator app, 1: recovery codes (TwoFactorKind::ALL's order).
        let kinds = "SELECT user_id, CAST(0 AS BIGINT) AS kind FROM authenticator_apps WHERE secret IS NOT NULL AND user_id";
        let codes = "SELECT DISTINCT user_id, CAST(1 AS BIGINT) AS kind FROM recovery_codes WHERE user_id";
        let (records, names, mut methods): (Vec<DetailsRecord>, Vec<NameOf>, Vec<KindOf>) = on_pool!(self, pool => {
            // `sql` and the ids as its IN list.
            let in_ids = |sql: String| {
                let mut q = QueryBuilder::new(sql);
                q.push(" IN (");
                let mut list = q.separated(", ");
                for id in ids {
                    list.push_bind(id.0);
                }
                q.push(")");
                q
            };
            let records = in_ids(fields).build_query_as().fetch_all(pool).await?;
            let mut q = in_ids(secondary.to_owned());
            q.push(" ORDER BY s.user_id, o.name_normalized");
            let names = q.build_query_as().fetch_all(pool).await?;
            let mut methods: Vec<KindOf> = in_ids(kinds.to_owned()).build_query_as().fetch_all(pool).await?;
            methods.extend(in_ids(codes.to_owned()).build_query_as::<KindOf>().fetch_all(pool).await?);
            (records, names, methods)
        });
        for r in records {
            let user = ExportDetails { vip: r.vip, fields: r.fields.0, ..ExportDetails::default() };
            details.insert(UserId(r.id), user);
        }
        for n in names {
            if let Some(user) = details.get_mut(&UserId(n.user_id)) {
                user.secondary_organizations.push(n.name);
            }
        }
        methods.sort_by_key(|m| m.kind);
        for m in methods {
            if let (Some(user), Some(kind)) = (details.get_mut(&UserId(m.user_id)), TwoFactorKind::ALL.get(m.kind as usize)) {
                user.two_factor.push(*kind);
            }
        }
        Ok(details)
    }
}
